package wbgov.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code ./wbgov bench SCENARIO [OPTIONS]}: only dispatches. A scenario is one class with a
 * {@code run(String[] args)} returning the exit status; add one line below for each.
 */
public final class BenchMain {
    /** A benchmark scenario: parses its own options, runs, writes its results, returns the exit status. */
    public interface Scenario {
        int run(String[] args) throws Exception;
    }

    private static final Map<String, Scenario> SCENARIOS = new LinkedHashMap<>();

    static {
        SCENARIOS.put("nbd", NbdBench::run); // our NBD server vs nbdkit memory and nbd-server, fio nbd engine
    }

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        Scenario s = args.length == 0 ? null : SCENARIOS.get(args[0]);
        if (s == null) {
            System.err.println("usage: wbgov bench SCENARIO [OPTIONS]   (SCENARIO: " + String.join(", ", SCENARIOS.keySet())
                    + "; SCENARIO --help for its options)");
            System.exit(args.length == 0 || args[0].equals("--help") ? 0 : 2);
        }
        System.exit(s.run(Arrays.copyOfRange(args, 1, args.length)));
    }
}
