package wbgov.bench;

import java.nio.file.Path;
import java.util.Arrays;
import wbgov.bench.writeback.WritebackBench;

/**
 * {@code ./wbgov bench …}: picks the benchmark by its first argument and hands it the rest.
 * Only dispatches; each benchmark parses its own options.
 *
 * <ul>
 *   <li>{@code contention | speed-change | burst | two-slow | sync-wait | overhead} (or none):
 *       the write-back scenarios, fixed versus adaptive limits ({@link WritebackBench}).
 * </ul>
 */
public final class BenchMain {
    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        Path home = Path.of(System.getProperty("wbgov.home", "."));
        if (args.length > 0 && (args[0].equals("-h") || args[0].equals("--help") || args[0].equals("help"))) {
            System.out.println(WritebackBench.USAGE);
            return;
        }
        WritebackBench.Options o;
        try {
            o = WritebackBench.parse(Arrays.copyOf(args, args.length), home);
        } catch (IllegalArgumentException e) {
            System.err.println("wbgov bench: " + e.getMessage());
            System.exit(2);
            return;
        }
        System.exit(WritebackBench.run(o, home));
    }
}
