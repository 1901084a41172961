package wbgov.bench.writeback;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The shipped policies, each restricted to the bench's own devices. Why: this machine is
 * shared, and a governor started by a benchmark would otherwise cap every loop device and FUSE
 * mount of whoever else is working here. Each shipped file is copied unchanged except for one
 * line inserted under {@code [match]}: {@code name = ["7:3", "0:61", …]} (the bdis of the
 * scenario). No shipped policy matches by name, so the limits, priorities and every other match
 * key are exactly the shipped ones; the report says so.
 */
public final class ScopedPolicies {
    private ScopedPolicies() {
    }

    /** Writes the scoped copies of every {@code *.toml} in {@code shipped} into {@code out}; returns {@code out}. */
    public static Path write(Path shipped, Path out, List<String> bdis) throws IOException {
        if (bdis.isEmpty()) {
            throw new IllegalArgumentException("no bdis to scope the policies to");
        }
        Files.createDirectories(out);
        List<String> quoted = new ArrayList<>();
        for (String b : bdis) {
            quoted.add("\"" + b + "\"");
        }
        String nameLine = "name = [" + String.join(", ", quoted) + "]   # added by wbgov bench: only the bench's devices";
        int n = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(shipped, "*.toml")) {
            for (Path p : ds) {
                List<String> lines = Files.readAllLines(p);
                List<String> outLines = new ArrayList<>(lines.size() + 1);
                boolean inserted = false;
                for (String l : lines) {
                    if (!inserted && l.trim().startsWith("name") && inMatch(outLines)) {
                        throw new IOException(p + " already matches by name; cannot scope it");
                    }
                    outLines.add(l);
                    if (!inserted && l.trim().equals("[match]")) {
                        outLines.add(nameLine);
                        inserted = true;
                    }
                }
                if (!inserted) {
                    outLines.add("");
                    outLines.add("[match]");
                    outLines.add(nameLine);
                }
                Files.write(out.resolve(p.getFileName()), outLines);
                n++;
            }
        }
        if (n == 0) {
            throw new IOException("no *.toml policy in " + shipped);
        }
        return out;
    }

    private static boolean inMatch(List<String> before) {
        for (int i = before.size() - 1; i >= 0; i--) {
            String l = before.get(i).trim();
            if (l.startsWith("[")) {
                return l.equals("[match]");
            }
        }
        return false;
    }
}
