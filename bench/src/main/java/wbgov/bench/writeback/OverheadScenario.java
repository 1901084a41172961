package wbgov.bench.writeback;

import com.sun.management.ThreadMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import wbgov.bench.rig.GovernorProcess;
import wbgov.governor.actuate.BdiKnobs;
import wbgov.governor.daemon.Governor;
import wbgov.governor.discover.DeviceScanner;
import wbgov.governor.journal.KnobJournal;
import wbgov.governor.policy.PolicySet;

/**
 * overhead: what the daemon costs while governing many devices at 10 Hz. Three measurements,
 * one after the other (they would fight over the same knobs): the CPU share of {@code wbgov
 * run} as its own JVM ({@code utime + stime} from {@code /proc/PID/stat} over the window,
 * JIT and GC included: what {@code top} shows an admin); the same with {@code --metrics} and a
 * scrape every second, as a Prometheus with a 1 s interval would (the scrape's cost is on the
 * daemon's CPU, not its duty cycle's); and, in this JVM, the heap allocated and the CPU time
 * per tick of the governor's duty cycle on the calling thread.
 */
public final class OverheadScenario extends Scenario {
    private static final int USER_HZ = 100;

    /** The JVM flags the launcher gives {@code wbgov run}; it exports them to {@code wbgov bench}. */
    static final String RUN_JVM_OPTS_ENV = "WBGOV_RUN_JVM_OPTS";

    private int devices;
    private double warmupS;
    private double windowS;
    private int warmTicks;
    private int ticks;
    private LoopSet loops;

    public OverheadScenario(BenchContext ctx) {
        super(ctx);
    }

    @Override
    public String name() {
        return "overhead";
    }

    @Override
    protected String title() {
        return "the daemon's cost governing many devices at 10 Hz";
    }

    @Override
    protected String description() {
        return "Idle loop devices (sparse files on tmpfs), every one governed by the shipped loop policy. (1) `wbgov run "
                + "--interval 100` as its own JVM (the bench's classpath, the launcher's JVM flags for run): CPU share = "
                + "(utime + stime) / wall time over the window after a warm-up, in % of one core; then the same with "
                + "`--metrics` and a scrape of /metrics every second (the scrape's own time is shown too). (2) The same Governor in "
                + "this JVM, doWork at 10 Hz on one thread: heap bytes allocated per tick (ThreadMXBean) and CPU time per "
                + "tick. Only the wbgov configuration applies.";
    }

    @Override
    protected boolean appliesConfiguration() {
        return false;
    }

    @Override
    protected List<Configuration> configurations() {
        return ctx.configurations.contains(Configuration.WBGOV) ? List.of(Configuration.WBGOV) : List.of();
    }

    @Override
    protected void setUp(ScenarioResult res) throws Exception {
        devices = 32;
        warmupS = ctx.size(10.0, 3.0);
        windowS = ctx.size(60.0, 8.0);
        warmTicks = (int) ctx.size(100, 10);
        ticks = (int) ctx.size(300, 50);
        res.param("devices", devices + " loop devices").param("interval", "100 ms").param("warm-up", warmupS + " s")
                .param("window", windowS + " s").param("in-process ticks", warmTicks + " warm-up + " + ticks + " measured, twice");
        List<String> jvm = runJvmOptions();
        res.param("daemon JVM flags", jvm.isEmpty() ? "GovernorProcess defaults (not started through ./wbgov: "
                + RUN_JVM_OPTS_ENV + " unset)" : String.join(" ", jvm));
        res.metric(Metric.of("cpu_pct", "daemon CPU, % of one core", "%", Metric.Target.atMost(0.5)));
        // No target: a scrape every second is 15 to 60 times what a fleet's Prometheus does; the
        // row shows what the endpoint costs at that density beside the daemon's own row.
        res.metric(Metric.of("cpu_pct_metrics", "daemon CPU with --metrics, scraped every second, % of one core", "%"));
        res.metric(Metric.of("scrape_ms", "one scrape of /metrics, mean wall time (32 devices)", "ms"));
        res.metric(Metric.of("ticks_per_s", "daemon ticks per second", "/s"));
        res.metric(Metric.of("rss_mib", "daemon resident memory at the end", "MiB"));
        res.metric(Metric.of("alloc_per_tick", "heap allocated per tick, rescan every 5 s (in-process)", "B"));
        res.metric(Metric.of("tick_cpu_us", "CPU per tick, rescan every 5 s (in-process, one thread)", "µs"));
        res.metric(Metric.of("alloc_per_tick_sampling", "heap allocated per tick, no rescan (in-process)", "B"));
        res.metric(Metric.of("tick_cpu_us_sampling", "CPU per tick, no rescan (in-process)", "µs"));
        // The same fixed global budget as every other scenario. With a ratio-based threshold the
        // kernel's kept byte limits drift with free memory, and each drift costs a re-assertion
        // (a read-back and write, which allocate): a real cost, but not the steady state.
        snap.setDirtyBytes(ctx.budgetBytes);
        res.param("global budget", "vm.dirty_bytes = " + ctx.budgetBytes);
        loops = LoopSet.create(ctx.work.resolve("overhead-loops"), devices, 64L << 20);
        for (String b : loops.bdis()) {
            snap.bdi(b);
        }
    }

    @Override
    protected BenchContext.Devices devices() {
        return new BenchContext.Devices(loops.bdis(), List.of(), List.of());
    }

    @Override
    protected RunResult runOne(Configuration c) throws Exception {
        Recording recording = new Recording(name(), c.id(), List.of("daemon.cpu_seconds", "daemon.ticks"));
        RunResult r = new RunResult(c, recording);
        Path state = currentStateDir;
        Path pol = ScopedPolicies.write(ctx.shippedPolicies, state.resolve("policies"), loops.bdis());
        // (1) the daemon as its own process
        GovernorProcess.Builder daemon = GovernorProcess.builder(state.resolve("daemon"))
                .home(ctx.shippedPolicies.getParent()).policies(pol).intervalMs(100);
        if (!runJvmOptions().isEmpty()) {
            daemon.jvmOptions(runJvmOptions()); // what `wbgov run` gets from the launcher, JIT settings included
        }
        try (GovernorProcess g = daemon.start()) {
            Window w = window(g, recording, null);
            r.put("cpu_pct", w.cpuPct).put("ticks_per_s", w.ticksPerSec).put("rss_mib", rssMib(g.pid()));
            String st = g.status(false);
            long governed = st.lines().filter(l -> l.startsWith("loop") && l.contains(" loop ")).count();
            r.note("daemon governed " + governed + " of " + devices + " loop devices (status table)");
            int exit = g.stop();
            if (exit != 0 && exit != 143) {
                r.note("daemon exited with " + exit);
            }
            // its log, beside the report: which knob changes it made on idle devices, and why
            Files.copy(g.log(), ctx.out.resolve("overhead-daemon.log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            r.note("the daemon's log: [overhead-daemon.log](overhead-daemon.log)");
        }
        // (1b) the same daemon with --metrics, scraped every second
        int port = GovernorProcess.freeLoopbackPort();
        GovernorProcess.Builder scraped = GovernorProcess.builder(state.resolve("daemon-metrics"))
                .home(ctx.shippedPolicies.getParent()).policies(pol).intervalMs(100).arg("--metrics").arg("127.0.0.1:" + port);
        if (!runJvmOptions().isEmpty()) {
            scraped.jvmOptions(runJvmOptions());
        }
        try (GovernorProcess g = scraped.start()) {
            Window w = window(g, null, URI.create("http://127.0.0.1:" + port + "/metrics"));
            r.put("cpu_pct_metrics", w.cpuPct).put("scrape_ms", w.scrapeMs);
            r.note(String.format(java.util.Locale.ROOT, "with --metrics: %d scrapes of %.0f KiB each, %.1f ticks/s",
                    w.scrapes, w.scrapeBytes / 1024.0, w.ticksPerSec));
            g.stop();
        }
        // (2) in-process: allocation and CPU per tick, with the daemon's 5 s rescan and without any
        int warm = warmTicks;
        int n = ticks;
        double[] withRescan = inProcess(pol, state.resolve("inproc"), 5_000_000_000L, warm, n);
        double[] noRescan = inProcess(pol, state.resolve("inproc-norescan"), 3_600_000_000_000L, warm, n);
        r.put("alloc_per_tick", withRescan[0]).put("tick_cpu_us", withRescan[1])
                .put("alloc_per_tick_sampling", noRescan[0]).put("tick_cpu_us_sampling", noRescan[1]);
        r.note("in-process: " + n + " ticks measured after " + warm + " warm-up ticks; knob changes during them: "
                + (long) withRescan[2] + " with rescans, " + (long) noRescan[2] + " without (a change logs a line, which "
                + "allocates)");
        return r;
    }

    /** One daemon window: its CPU share, ticks per second, and the scrapes made during it. */
    private record Window(double cpuPct, double ticksPerSec, int scrapes, double scrapeMs, double scrapeBytes) {
    }

    /**
     * Warm-up, then the window: the daemon's CPU over it (recorded each second into {@code
     * recording} when given), and a scrape of {@code metrics} each second when given.
     */
    private Window window(GovernorProcess g, Recording recording, URI metrics) throws Exception {
        HttpClient http = metrics == null ? null : HttpClient.newHttpClient();
        if (http != null) {
            // One scrape before the warm-up: its class loading is a start-up cost, not a scrape's.
            http.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.discarding());
        }
        ctx.progress.sleep("daemon warm-up", warmupS, () -> "");
        long w0 = System.nanoTime();
        double cpu0 = cpuSeconds(g.pid());
        long t0 = GovernorProcess.ticks(g.status(true));
        long end = w0 + (long) (windowS * 1e9);
        int scrapes = 0;
        long scrapeNs = 0;
        long scrapeBytes = 0;
        while (System.nanoTime() - end < 0) {
            // ticks are read only at both ends: a status request costs the daemon CPU too
            if (recording != null) {
                recording.add((System.nanoTime() - w0) / 1e9, new double[] {cpuSeconds(g.pid()) - cpu0, Double.NaN});
            }
            if (http != null) {
                long s0 = System.nanoTime();
                HttpResponse<byte[]> resp = http.send(HttpRequest.newBuilder(metrics).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                scrapeNs += System.nanoTime() - s0;
                if (resp.statusCode() != 200) {
                    throw new IOException(metrics + ": HTTP " + resp.statusCode());
                }
                scrapeBytes += resp.body().length;
                scrapes++;
            }
            ctx.progress.sleep("daemon window", 1.0, () -> "");
        }
        double wall = (System.nanoTime() - w0) / 1e9;
        double cpu = cpuSeconds(g.pid()) - cpu0;
        long ticks = GovernorProcess.ticks(g.status(true)) - t0;
        if (recording != null) {
            recording.add(wall, new double[] {cpu, ticks});
        }
        return new Window(100 * cpu / wall, ticks / wall, scrapes, scrapes == 0 ? Double.NaN : scrapeNs / 1e6 / scrapes,
                scrapes == 0 ? Double.NaN : scrapeBytes / (double) scrapes);
    }

    /**
     * Heap bytes and CPU µs per tick of a Governor on this thread, and the knob changes made:
     * {@code warm} ticks, then {@code n} measured ticks, at 10 Hz.
     */
    private double[] inProcess(Path pol, Path state, long rescanNs, int warm, int n) throws Exception {
        PolicySet ps = PolicySet.load(pol);
        KnobJournal journal = new KnobJournal(state);
        Governor gov = new Governor(new Governor.Config(rescanNs, 5_000_000_000L, false, true), ps,
                DeviceScanner.system(), BdiKnobs.system(journal));
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        try {
            gov.start(System.nanoTime());
            tick(gov, warm);
            long a0 = mx.getThreadAllocatedBytes(tid);
            long c0 = mx.getCurrentThreadCpuTime();
            long changes = tick(gov, n);
            long a1 = mx.getThreadAllocatedBytes(tid);
            long c1 = mx.getCurrentThreadCpuTime();
            return new double[] {(a1 - a0) / (double) n, (c1 - c0) / 1e3 / n, changes};
        } finally {
            gov.restore();
            gov.close();
        }
    }

    /** Runs {@code n} ticks at 10 Hz on this thread; returns the knob changes made. */
    private static long tick(Governor g, int n) throws IOException {
        long changes = 0;
        long next = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long now = System.nanoTime();
            changes += g.doWork(now);
            next += 100_000_000L;
            LockSupport.parkNanos(next - System.nanoTime());
        }
        return changes;
    }

    /** The launcher's flags for {@code wbgov run}, empty when the bench was not started through it. */
    static List<String> runJvmOptions() {
        String v = System.getenv(RUN_JVM_OPTS_ENV);
        return v == null || v.isBlank() ? List.of() : List.of(v.trim().split("\\s+"));
    }

    /** utime + stime of a process, seconds (fields 14 and 15 of /proc/PID/stat, after the command). */
    static double cpuSeconds(long pid) throws IOException {
        String s = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
        // f[0] is field 3 (state): utime is field 14 → f[11], stime field 15 → f[12]
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / (double) USER_HZ;
    }

    private static double rssMib(long pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (l.startsWith("VmRSS:")) {
                    return Long.parseLong(l.replaceAll("\\D", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // gone
        }
        return Double.NaN;
    }

    @Override
    protected void between() {
    }

    @Override
    protected void tearDown() throws Exception {
        if (loops != null) {
            loops.close();
        }
    }

    @Override
    protected List<String> plotDevices() {
        return List.of();
    }
}
