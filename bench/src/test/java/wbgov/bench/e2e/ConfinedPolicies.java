package wbgov.bench.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The shipped policies, confined to the devices a test built: each file is copied unchanged
 * except for one {@code mount = "<root>/*"} line added under {@code [match]}. The limits (drain
 * target, floor, ceiling, initial, strict) are the shipped ones — that is what is under test —
 * but the daemon leaves alone every device of the other people sharing this machine.
 */
final class ConfinedPolicies {
    private ConfinedPolicies() {
    }

    static Path write(Path shipped, Path out, Path root) throws IOException {
        Files.createDirectories(out);
        String glob = root.toAbsolutePath().normalize() + "/*";
        try (Stream<Path> files = Files.list(shipped)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".toml")).sorted()::iterator) {
                String text = Files.readString(f);
                if (!text.contains("\n[match]\n")) {
                    throw new IOException(f + ": no [match] section to confine");
                }
                Files.writeString(out.resolve(f.getFileName()), text.replace("\n[match]\n",
                        "\n[match]\nmount = \"" + glob + "\"\n"));
            }
        }
        return out;
    }
}
