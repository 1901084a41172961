package wbgov.nbd.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import wbgov.linux.Executables;
import wbgov.linux.LinuxCalls;

/**
 * Test support for real-kernel and real-peer tests. A test that needs a tool, root or a kernel
 * facility calls {@code require…}: absent, the test is skipped with a clear message — except
 * when {@code CI=true}, where the test command has installed everything and an absence is a
 * failure.
 */
public final class Peers {
    private Peers() {
    }

    public static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Skips (or fails in CI) with {@code message} unless {@code condition}. */
    public static void require(boolean condition, String message) {
        if (condition) {
            return;
        }
        if (inCi()) {
            fail("CI=true and a test prerequisite is missing: " + message);
        }
        Assumptions.assumeTrue(false, message);
    }

    /** The tool on PATH, or skip/fail naming the Debian package that has it. */
    public static Path requireTool(String tool, String debianPackage) {
        Path p = Executables.which(tool);
        require(p != null, tool + " is not installed (Debian package " + debianPackage + "; ./wbgov test installs it)");
        return p;
    }

    public static void requireRoot() {
        require(LinuxCalls.geteuid() == 0, "needs root (real kernel knobs, loop devices, mounts)");
    }

    /** A finished command: exit status and its output (stdout and stderr together). */
    public record Result(int exit, String output) {
        public Result assertOk(String what) {
            if (exit != 0) {
                fail(what + " failed with exit " + exit + ":\n" + output);
            }
            return this;
        }
    }

    /** Runs a command to completion (killed after the timeout), capturing its output. */
    public static Result run(long timeoutSeconds, String... command) throws IOException, InterruptedException {
        return run(timeoutSeconds, List.of(command));
    }

    public static Result run(long timeoutSeconds, List<String> command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true);
        pb.environment().put("LC_ALL", "C");
        // nbdsh and other Python peers need the system Python, not a pyenv one.
        pb.environment().put("PATH", "/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin:" + System.getenv().getOrDefault("PATH", ""));
        Path out = Files.createTempFile("wbgov-peer", ".out");
        pb.redirectOutput(out.toFile());
        Process p = pb.start();
        try {
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                fail("timed out after " + timeoutSeconds + " s: " + String.join(" ", command) + "\n"
                        + Files.readString(out, StandardCharsets.UTF_8));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
