package wbgov.bench.writeback;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import wbgov.bench.rig.KernelSnapshot;
import wbgov.bench.rig.Writer;

/**
 * The skeleton every scenario shares: build its devices once, run its workload once per
 * configuration (each put in force and taken away by {@link BenchContext#apply}), empty the
 * devices between runs, write each run's CSV and the scenario's plot, and tear everything
 * down — in {@code finally}, and through the rigs' shutdown hook on Ctrl-C. After each run the
 * bdi knobs are compared with the snapshot taken before the scenario: anything left behind is
 * a note in the report.
 */
public abstract class Scenario {
    protected final BenchContext ctx;
    protected ScenarioResult result;
    /** Saved before the scenario touches anything; restored at its end (and on Ctrl-C). */
    protected KernelSnapshot snap;
    /** A fresh directory for the run in progress (the governor's journal). */
    protected Path currentStateDir;
    /** The in-process governor of the run in progress (the wbgov configuration), else null. */
    protected InProcessGovernor currentGovernor;

    protected Scenario(BenchContext ctx) {
        this.ctx = ctx;
    }

    public abstract String name();

    protected abstract String title();

    protected abstract String description();

    /** Builds the devices, states the parameters and metrics, measures the solo references. */
    protected abstract void setUp(ScenarioResult res) throws Exception;

    /** The devices the configurations act on. */
    protected abstract BenchContext.Devices devices();

    /** The workload under one configuration (already in force). */
    protected abstract RunResult runOne(Configuration c) throws Exception;

    /** Empties the devices after a run. */
    protected abstract void between() throws Exception;

    /** Tears the devices down. */
    protected abstract void tearDown() throws Exception;

    /**
     * Runs {@code body} beside the slow device's writer and whole pipeline (loop worker, FUSE,
     * nbdfuse, the NBD server at its rate) busy as always, but that writer O_DIRECT, so its bdi
     * holds no dirty pages: what a fast writer loses here is the CPU and I/O path shared on this
     * machine, not the dirty budget, and no write-back setting can remove it. Kernel defaults
     * only, before the buffered slow writer starts (contention's P1_pipeline, burst's P4_pipeline).
     */
    protected void besideDirectSlowWriter(Recorder rec, wbgov.bench.rig.SlowNbdDevice slow, double warmupS,
            BenchContext.Action<Exception> body) throws Exception {
        rec.event("pipeline only: slow writer O_DIRECT");
        Writer dw = Writer.startUnbounded(slow.mountPoint().resolve("direct.dat"), Writer.Sync.DIRECT);
        try {
            ctx.progress.sleep("slow O_DIRECT warm-up", warmupS, () -> (dw.bytesWritten() >> 20) + " MiB on slow");
            body.run();
        } finally {
            BenchContext.lifted(List.of(slow), () -> closeAll(dw));
            Files.deleteIfExists(slow.mountPoint().resolve("direct.dat"));
            ctx.drain(List.of(slow), List.of());
        }
        rec.event("pipeline only: done");
    }

    /**
     * Closes each of {@code rigs} in order (nulls skipped), every one even when an earlier one
     * fails, then throws the first failure: one device that will not unmount must not leave the
     * others set up.
     */
    protected static void closeAll(AutoCloseable... rigs) throws Exception {
        Exception first = null;
        for (AutoCloseable r : rigs) {
            try {
                if (r != null) {
                    r.close();
                }
            } catch (Exception e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** The device column prefixes to plot. */
    protected abstract List<String> plotDevices();

    /**
     * Whether {@link BenchContext#apply} puts each configuration in force before {@link #runOne}
     * (true); false for a scenario that sets its configuration up itself (overhead).
     */
    protected boolean appliesConfiguration() {
        return true;
    }

    /** The configurations this scenario runs (all of the context's by default). */
    protected List<Configuration> configurations() {
        return ctx.configurations;
    }

    public final ScenarioResult run() {
        long start = System.nanoTime();
        result = new ScenarioResult(name(), title(), description());
        ctx.progress.line("== %s: %s", name(), title());
        snap = null;
        try {
            snap = KernelSnapshot.take();
            // Another run's turn is not this scenario's time: counted apart (the report says both).
            double waited = (System.nanoTime() - start) / 1e9;
            if (waited >= 1) {
                result.lockWaitSeconds(waited);
                start = System.nanoTime();
                ctx.progress.line("   waited %.0f s for the machine lock (%s)", waited, wbgov.bench.rig.MachineLock.FILE);
            }
            ctx.progress.line("   saved vm knobs: %s", snap.savedVm());
            setUp(result);
            for (String b : devices().allBdis()) {
                snap.bdi(b);
            }
            List<Configuration> cs = configurations();
            for (int i = 0; i < cs.size(); i++) {
                Configuration c = cs.get(i);
                ctx.progress.line("-- %s [%d/%d] %s", name(), i + 1, cs.size(), c.id());
                RunResult r;
                Path state = Files.createTempDirectory(ctx.work, name() + "-" + c.id() + "-state");
                currentStateDir = state;
                try (AutoCloseable applied = appliesConfiguration() ? ctx.apply(c, snap, devices(), state) : () -> { }) {
                    currentGovernor = applied instanceof InProcessGovernor g ? g : null;
                    r = runOne(c);
                    if (applied instanceof InProcessGovernor g) {
                        if (g.knobFailures() > 0) {
                            r.note(g.knobFailures() + " knob write(s) refused by the kernel (retried, logged)");
                        }
                        if (g.loopErrors() > 0) {
                            r.note(g.loopErrors() + " governor tick(s) failed: " + g.firstError());
                        }
                    }
                } catch (Exception e) {
                    r = new RunResult(c, null);
                    r.fail(e.toString());
                    ctx.progress.line("   %s under %s FAILED: %s", name(), c.id(), e);
                }
                try {
                    between();
                } catch (Exception e) {
                    r.note("emptying the devices after the run failed: " + e);
                }
                List<String> left = new ArrayList<>();
                for (String d : snap.differences()) {
                    if (!d.startsWith("vm.")) {
                        left.add(d);
                    }
                }
                if (!left.isEmpty()) {
                    r.note("knobs NOT back after the run: " + left);
                }
                if (r.recording() != null) {
                    String csv = name() + "-" + c.id() + ".csv";
                    r.recording().writeCsv(ctx.out.resolve(csv), BenchContext.RATE_WINDOW_S);
                    r.csvFile(csv);
                }
                result.add(r);
                summarize(r);
            }
            String png = plot(ctx.out, result.runs());
            if (png != null) {
                result.plotFile(png);
            }
        } catch (Exception e) {
            result.fail(e.toString());
            ctx.progress.line("   %s FAILED: %s", name(), e);
        } finally {
            try {
                tearDown();
            } catch (Exception e) {
                result.note("teardown: " + e);
                ctx.progress.line("   %s teardown: %s", name(), e);
            }
            if (snap != null) {
                try {
                    snap.close();
                } catch (IOException e) {
                    result.note("restoring kernel knobs: " + e.getMessage());
                }
            }
            result.seconds((System.nanoTime() - start) / 1e9);
        }
        return result;
    }

    /**
     * Draws the plot of {@code runs} into {@code dir} as {@code <name>.png}; returns that file name,
     * or null for a scenario without plotted devices. Also what {@code bench replot} calls, on
     * runs read back from their CSVs.
     */
    final String plot(Path dir, List<RunResult> runs) throws IOException {
        if (plotDevices().isEmpty()) {
            return null;
        }
        String png = name() + ".png";
        Plots.write(dir.resolve(png), name() + ": " + title(), runs, plotDevices(), BenchContext.RATE_WINDOW_S);
        return png;
    }

    private void summarize(RunResult r) {
        StringBuilder b = new StringBuilder();
        for (Metric m : result.metrics()) {
            if (!Double.isNaN(r.get(m.key()))) {
                b.append(m.key()).append('=').append(Report.cell(m, r)).append("  ");
            }
        }
        ctx.progress.line("   %s %s: %s", name(), r.configuration().id(), r.error() != null ? "failed: " + r.error() : b.toString().trim());
    }

    /** Waits for a writer with progress lines; throws when it takes longer than {@code timeoutS}. */
    protected void await(Writer w, String what, long totalBytes, double timeoutS) throws Exception {
        boolean done = ctx.progress.await(what, w::isDone,
                () -> String.format(java.util.Locale.ROOT, "%d / %d MiB accepted%s", w.bytesWritten() >> 20, totalBytes >> 20,
                        w.acceptedNs() != 0 ? ", syncing" : ""),
                (long) (timeoutS * 1e9));
        if (!done) {
            w.stop();
            throw new IOException(what + " did not finish within " + (long) timeoutS + " s");
        }
        w.await(1, TimeUnit.SECONDS); // rethrows its error
    }

    /** The event {@link #awaitOrLift} marks when it lifts the slow backends. */
    static final String CUT_OFF_EVENT = "cut-off: slow backends lifted";

    /**
     * {@code tEnd}, or two samples before the first cut-off in {@code r} if one came earlier: the
     * end of a throughput window that must not see the lifted backend. Why two samples early:
     * a cumulative series is interpolated between samples, and the first sample after the lift
     * already holds a burst at memory speed (a slow device's P2 measured 1.5 of its rate).
     */
    static double beforeCutOff(Recording r, double tEnd) {
        double end = tEnd;
        for (Recording.Event e : r.events()) {
            if (e.text().equals(CUT_OFF_EVENT)) {
                end = Math.min(end, e.tSec() - 2.0 * BenchContext.PERIOD_NS / 1e9);
            }
        }
        return end;
    }

    /**
     * Waits for a writer stalled behind a slow device, at most {@code cutoffS}: past that, the
     * slow devices' backends are let run free (rate 0 = unlimited) so what they hold drains and
     * the writer can finish, and false is returned — the writer's time is then only known to
     * exceed the cut-off. Why: under a small global limit a 1 MiB/s device holding 64 MiB stalls
     * every other writer for minutes; the report says "&gt; cut-off" rather than the bench taking
     * an hour.
     */
    protected boolean awaitOrLift(Writer w, String what, long totalBytes, double cutoffS, Recorder rec,
            List<wbgov.bench.rig.SlowNbdDevice> slow) throws Exception {
        boolean done = ctx.progress.await(what, w::isDone,
                () -> String.format(java.util.Locale.ROOT, "%d / %d MiB accepted%s", w.bytesWritten() >> 20, totalBytes >> 20,
                        w.acceptedNs() != 0 ? ", syncing" : ""),
                (long) (cutoffS * 1e9));
        if (done) {
            w.await(1, TimeUnit.SECONDS);
            return true;
        }
        rec.event(CUT_OFF_EVENT);
        ctx.progress.line("   %s: not done after %.0f s: lifting the slow backends' rate so it can finish", what, cutoffS);
        BenchContext.lifted(slow, () -> await(w, what + " (after the cut-off)", totalBytes, 600));
        return false;
    }

    /**
     * Ends a run's measured part: stops the recorder (so neither the metrics nor the plot see
     * what follows), lifts the slow backends' rate (0 = unlimited), stops {@code writers} (each
     * closed, in order) and puts the rates back. Why lift: a writer on a 1 MiB/s device sits in
     * {@code balance_dirty_pages} for seconds before its last write() returns; at memory speed
     * it returns at once, and the device has that much less to drain before the next run.
     */
    protected static Recording endRun(Recorder rec, List<wbgov.bench.rig.SlowNbdDevice> slow, AutoCloseable... writers)
            throws Exception {
        Recording recording = rec.stop();
        BenchContext.lifted(slow, () -> closeAll(writers));
        return recording;
    }

    /** Stops a steady writer and waits for it. */
    protected static void stop(Writer w) throws IOException {
        if (w != null) {
            w.close();
        }
    }
}
