package wbgov.bench.writeback;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code ./wbgov bench replot DIR [--out DIR]}: draws every scenario plot of a result directory
 * again from the CSVs beside it ({@code <scenario>-<configuration>.csv} and its
 * {@code .events.csv}), without running anything. Why: a committed run took 40 minutes of a
 * quiet machine; a change to how plots are drawn should not need another.
 */
public final class Replot {
    static final String USAGE = """
            usage: wbgov bench replot DIR [--out DIR]
              DIR        a result directory of ./wbgov bench (its <scenario>-<configuration>.csv files)
              --out DIR  where the PNGs go (default: DIR itself, replacing its plots)""";

    private Replot() {
    }

    public static int run(String[] args) throws IOException {
        Path in = null;
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> {
                    if (i + 1 >= args.length) {
                        return usage("--out needs a directory");
                    }
                    out = Path.of(args[++i]);
                }
                case "-h", "--help" -> {
                    System.out.println(USAGE);
                    return 0;
                }
                default -> {
                    if (args[i].startsWith("-") || in != null) {
                        return usage("unexpected argument " + args[i]);
                    }
                    in = Path.of(args[i]);
                }
            }
        }
        if (in == null) {
            return usage("which result directory?");
        }
        if (!Files.isDirectory(in)) {
            return usage(in + " is not a directory");
        }
        List<Path> written = replot(in, out == null ? in : out);
        if (written.isEmpty()) {
            System.err.println("wbgov bench replot: no <scenario>-<configuration>.csv with plotted devices in " + in);
            return 1;
        }
        for (Path p : written) {
            System.out.println("wrote " + p);
        }
        return 0;
    }

    /** Draws every scenario of {@code in} that has CSVs into {@code out}; returns the PNGs written. */
    static List<Path> replot(Path in, Path out) throws IOException {
        List<Path> written = new ArrayList<>();
        for (Map.Entry<String, Function<BenchContext, Scenario>> e : WritebackBench.SCENARIOS.entrySet()) {
            List<RunResult> runs = new ArrayList<>();
            for (Configuration c : Configuration.values()) {
                Path csv = in.resolve(e.getKey() + "-" + c.id() + ".csv");
                if (Files.isRegularFile(csv)) {
                    runs.add(new RunResult(c, Recording.readCsv(csv, e.getKey(), c.id())));
                }
            }
            if (runs.isEmpty()) {
                continue;
            }
            // Only its name, title and plotted devices are asked of the scenario: no context, nothing runs.
            String png = e.getValue().apply(null).plot(out, runs);
            if (png != null) {
                written.add(out.resolve(png));
            }
        }
        return written;
    }

    private static int usage(String problem) {
        System.err.println("wbgov bench replot: " + problem + "\n" + USAGE);
        return 2;
    }
}
