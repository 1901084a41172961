package wbgov.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import wbgov.bench.nbd.NbdBench;
import wbgov.bench.writeback.Replot;
import wbgov.bench.writeback.WritebackBench;

/**
 * {@code ./wbgov bench SCENARIO [OPTIONS]}: only dispatches. A scenario is one class with a
 * {@code run(String[] args)} returning the exit status; add one line below for each ({@code replot},
 * which redraws a result directory's plots from its CSVs, sits among them though nothing runs). Anything
 * else — no argument, or the write-back scenarios ({@code contention speed-change burst two-slow
 * sync-wait overhead}, several at once, with {@code --quick --out DIR}) — goes to
 * {@link WritebackBench}, which runs them side by side under the four configurations.
 */
public final class BenchMain {
    /** A benchmark scenario: parses its own options, runs, writes its results, returns the exit status. */
    public interface Scenario {
        int run(String[] args) throws Exception;
    }

    private static final Map<String, Scenario> SCENARIOS = new LinkedHashMap<>();

    static {
        SCENARIOS.put("nbd", NbdBench::run); // our NBD server vs nbdkit memory and nbd-server, fio nbd engine
        SCENARIOS.put("replot", Replot::run); // not a run: a result directory's plots drawn again from its CSVs
    }

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        Scenario s = args.length == 0 ? null : SCENARIOS.get(args[0]);
        if (s != null) {
            System.exit(s.run(Arrays.copyOfRange(args, 1, args.length)));
        }
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help"))) {
            System.out.println("usage: wbgov bench SCENARIO [OPTIONS]   (SCENARIO: " + String.join(", ", SCENARIOS.keySet())
                    + "; SCENARIO --help for its options)\n" + WritebackBench.USAGE);
            System.exit(0);
        }
        System.exit(writeback(args));
    }

    private static int writeback(String[] args) throws Exception {
        Path home = Path.of(System.getProperty("wbgov.home", "."));
        WritebackBench.Options o;
        try {
            o = WritebackBench.parse(args, home);
        } catch (IllegalArgumentException e) {
            System.err.println("wbgov bench: " + e.getMessage());
            return 2;
        }
        return WritebackBench.run(o, home);
    }
}
