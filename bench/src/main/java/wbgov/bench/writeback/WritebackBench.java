package wbgov.bench.writeback;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import wbgov.bench.rig.BlkThrottle;
import wbgov.bench.rig.Sh;
import wbgov.bench.rig.Teardown;
import wbgov.nbd.units.Units;

/**
 * {@code ./wbgov bench [SCENARIO…] [--quick] [--out DIR]}: the write-back scenarios, each run
 * under every configuration, and the report. Only wires: options → context → scenarios →
 * report.
 */
public final class WritebackBench {
    /** Scenario names in report order, and how to make each. */
    public static final Map<String, Function<BenchContext, Scenario>> SCENARIOS = new LinkedHashMap<>();

    static {
        SCENARIOS.put("contention", ContentionScenario::new);
        SCENARIOS.put("speed-change", SpeedChangeScenario::new);
        SCENARIOS.put("burst", BurstScenario::new);
        SCENARIOS.put("two-slow", TwoSlowScenario::new);
        SCENARIOS.put("sync-wait", SyncWaitScenario::new);
        SCENARIOS.put("drain", DrainScenario::new);
        SCENARIOS.put("overhead", OverheadScenario::new);
    }

    private WritebackBench() {
    }

    /** Parsed command line. */
    public record Options(List<String> scenarios, boolean quick, Path out, List<Configuration> configurations,
            long budgetBytes, long smallBudgetBytes) {
    }

    public static final String USAGE = """
            usage: wbgov bench [SCENARIO…] [--quick] [--out DIR] [--configs LIST] [--budget SIZE]
              SCENARIO      contention, speed-change, burst, two-slow, sync-wait, drain, overhead (default: all)
              --quick       reduced sizes and 10 s cut-offs: every scenario in about 4 min on 2 cores (the test suite runs it)
              --out DIR     where the CSVs, plots and report.md go (default bench/results/<date>-<host>/)
              --configs L   comma list of defaults, dirty-64M, static-16M, wbgov (default: all four)
              --budget SIZE global vm.dirty_bytes every configuration but dirty-64M runs on (default 400 MB); see report.md
            Needs root, debugfs, FUSE and nbdfuse; restores every knob and removes every device it made.""";

    public static Options parse(String[] args, Path home) {
        List<String> scenarios = new ArrayList<>();
        boolean quick = false;
        Path out = null;
        List<Configuration> configs = List.of(Configuration.values());
        long budget = 400L * 1000 * 1000;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--quick" -> quick = true;
                case "--out" -> out = Path.of(value(args, ++i, a));
                case "--configs" -> {
                    List<Configuration> cs = new ArrayList<>();
                    for (String s : value(args, ++i, a).split(",")) {
                        cs.add(Configuration.parse(s.trim()));
                    }
                    configs = cs;
                }
                case "--budget" -> budget = Units.parseBytes("--budget", value(args, ++i, a));
                default -> {
                    if (a.startsWith("-")) {
                        throw new IllegalArgumentException("unknown option " + a + "\n" + USAGE);
                    }
                    if (!SCENARIOS.containsKey(a)) {
                        throw new IllegalArgumentException("unknown scenario '" + a + "'; known: " + SCENARIOS.keySet());
                    }
                    scenarios.add(a);
                }
            }
        }
        if (scenarios.isEmpty()) {
            scenarios.addAll(SCENARIOS.keySet());
        }
        if (out == null) {
            out = home.resolve("bench/results").resolve(LocalDate.now() + "-" + host());
        }
        return new Options(scenarios, quick, out, configs, budget, 64L << 20);
    }

    private static String value(String[] args, int i, String opt) {
        if (i >= args.length) {
            throw new IllegalArgumentException(opt + " needs a value\n" + USAGE);
        }
        return args[i];
    }

    static String host() {
        try {
            return InetAddress.getLocalHost().getHostName().split("\\.")[0];
        } catch (IOException e) {
            return "host";
        }
    }

    /** Runs the bench; returns the exit status (0, or 1 when a scenario failed). */
    public static int run(Options o, Path home) throws Exception {
        Progress progress = Progress.stderr();
        Files.createDirectories(o.out());
        Path work = Files.createTempDirectory("wbgov-bench-");
        BenchContext ctx = new BenchContext(o.quick(), o.out(), work, home.resolve("policies"), o.budgetBytes(),
                o.smallBudgetBytes(), o.configurations(), progress);
        Map<String, String> env = environment(o, home);
        progress.line("wbgov bench: %s, %s, out %s", String.join(" ", o.scenarios()), o.quick() ? "quick" : "full", o.out());
        long start = System.nanoTime();
        List<ScenarioResult> results = new ArrayList<>();
        try {
            for (String s : o.scenarios()) {
                results.add(SCENARIOS.get(s).apply(ctx).run());
                writeReport(o, env, results, start);   // after each scenario: a partial report survives a crash
            }
            List<String> left = Teardown.pending();
            if (!left.isEmpty()) {
                progress.line("left registered after the scenarios (tearing down now): %s", left);
                Teardown.runAll();
            }
            deleteTree(work);
            progress.line("report: %s", o.out().resolve("report.md"));
        } finally {
            progress.flush(10_000);
        }
        boolean failed = false;
        for (ScenarioResult r : results) {
            failed |= r.error() != null;
            for (RunResult rr : r.runs()) {
                failed |= rr.error() != null;
            }
        }
        return failed ? 1 : 0;
    }

    private static void writeReport(Options o, Map<String, String> env, List<ScenarioResult> results, long startNs)
            throws IOException {
        Map<String, String> e = new LinkedHashMap<>(env);
        double waited = 0;
        for (ScenarioResult r : results) {
            waited += r.lockWaitSeconds();
        }
        e.put("bench duration", String.format(Locale.ROOT, "%.0f s", (System.nanoTime() - startNs) / 1e9)
                + (waited >= 1 ? String.format(Locale.ROOT, ", of which %.0f s waiting for another run's machine lock", waited) : ""));
        e.put("load when this report was written", readOr("/proc/loadavg", "?"));
        String closing = "";
        Path notes = o.out().resolve("NOTES.md");
        if (Files.exists(notes)) {
            closing = Files.readString(notes);
        }
        Files.writeString(o.out().resolve("report.md"), Report.render(e, o.configurations(), results, closing));
    }

    static Map<String, String> environment(Options o, Path home) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("date", ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        env.put("host", host());
        env.put("kernel", readOr("/proc/sys/kernel/osrelease", "?"));
        env.put("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
        env.put("memory", memTotal());
        env.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        String commit;
        try {
            commit = Sh.run("git", "-C", home.toString(), "rev-parse", "--short", "HEAD");
            if (!Sh.run("git", "-C", home.toString(), "status", "--porcelain", "--untracked-files=no").isEmpty()) {
                commit += " (with uncommitted changes)";
            }
        } catch (IOException ex) {
            commit = "unknown";
        }
        env.put("wbgov commit", commit);
        env.put("mode", o.quick() ? "--quick (reduced sizes)" : "full");
        env.put("global dirty budget", "vm.dirty_bytes = " + Units.formatBytes(o.budgetBytes()) + " (" + o.budgetBytes()
                + " bytes) in every configuration except dirty-64M; background threshold as the kernel derives it");
        env.put("sampling", "10 Hz (debugfs bdi stats, sysfs knobs, the server's counters); rates over "
                + BenchContext.RATE_WINDOW_S + " s");
        env.put("blk-throttle", BlkThrottle.available() ? "available (cgroup v1 root)" : BlkThrottle.whyNot());
        env.put("load", "shared machine: " + readOr("/proc/loadavg", "?") + " (loadavg at start); other users' "
                + "tests may run at the same time, and vm.dirty_* are global");
        env.put("command", "./wbgov bench " + String.join(" ", o.scenarios()) + (o.quick() ? " --quick" : ""));
        return env;
    }

    private static String memTotal() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (l.startsWith("MemTotal:")) {
                    long kb = Long.parseLong(l.replaceAll("\\D", ""));
                    return Units.formatBytes(kb * 1024);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through
        }
        return "?";
    }

    private static String readOr(String file, String dflt) {
        try {
            return Files.readString(Path.of(file)).trim();
        } catch (IOException e) {
            return dflt;
        }
    }

    /** Deletes the work directory, unless something is still mounted under it (then it says so). */
    private static void deleteTree(Path p) {
        try {
            String prefix = p.toAbsolutePath().normalize() + "/";
            for (String l : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] f = l.split(" ");
                if (f.length > 4 && (f[4] + "/").startsWith(prefix)) {
                    System.err.println("wbgov bench: " + f[4] + " is still mounted; leaving " + p + " in place");
                    return;
                }
            }
        } catch (IOException e) {
            return;
        }
        try (var s = Files.walk(p)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(x -> {
                try {
                    Files.deleteIfExists(x);
                } catch (IOException e) {
                    // a leftover mount point is reported by the teardown, not here
                }
            });
        } catch (IOException e) {
            // nothing to delete
        }
    }
}
