package wbgov.governor.metrics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import wbgov.nbd.testing.Peers;

/** Debian's promtool (package prometheus), the real judge of an exposition: skip or fail as {@link Peers} rules. */
final class Promtool {
    private Promtool() {
    }

    /** {@code promtool check metrics < file}: its exit status and output. */
    static Peers.Result checkMetrics(Path file) throws IOException, InterruptedException {
        Path promtool = Peers.requireTool("promtool", "prometheus");
        Path out = Files.createTempFile("wbgov-promtool", ".out");
        try {
            Process p = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectInput(file.toFile())
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("promtool check metrics did not finish in 60 s");
            }
            return new Peers.Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
