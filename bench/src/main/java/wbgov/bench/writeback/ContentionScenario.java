package wbgov.bench.writeback;

import java.util.List;
import wbgov.bench.rig.FastDevice;
import wbgov.bench.rig.SlowNbdDevice;
import wbgov.bench.rig.Writer;

/**
 * contention (P1, P2): a steady writer on the slow NBD device while a fast writer writes N MiB
 * to an SSD-like device (200 MiB/s by blk-throttle) and fdatasyncs. Kernel defaults let the slow device fill the shared
 * budget and stall the fast writer (CONTEXT.md: 5.8x slower); a fixed cap or wbgov should
 * not, and neither may starve the slow device.
 */
public final class ContentionScenario extends SlowBesideFastScenario {
    private static final double MIB = 1 << 20;

    private long slowRate;
    private long fastBytes;
    /** The fast device's speed where blk-throttle exists: an SSD's, steady from run to run. */
    private static final long FAST_RATE = 200L << 20;
    private int runs;
    private double warmupS;
    private double p2WindowS;
    private double[] soloTimes;
    private double soloS;

    public ContentionScenario(BenchContext ctx) {
        super(ctx);
    }

    @Override
    public String name() {
        return "contention";
    }

    @Override
    protected String title() {
        return "a fast writer beside a busy slow device";
    }

    @Override
    protected String description() {
        return "A steady writer fills the slow NBD device (bundled server at the rate below → nbdfuse → loop → ext4) for "
                + "a warm-up; then a fast writer writes to a fast device (loop on tmpfs, ext4, SSD-like at 200 MiB/s by blk-throttle "
                + "where the kernel has it: a RAM-fast device's time to fdatasync swung 0.5–4 s from run to run, solo "
                + "included, too much to tell a 5 % effect) and fdatasyncs, several times in a row (its file removed between runs): sub-second timings swing, so the median is taken and the "
                + "spread (min–max) printed beside it. P1 = the fast writer's throughput (bytes / time to fdatasync) over its "
                + "solo throughput, measured in the same configuration right before the slow writer starts (slow device "
                + "idle, after an unmeasured warm-up run), so that the machine's drift over a long bench does not enter the "
                + "ratio: the solo median over the median under contention; its interval is the interquartile one (solo "
                + "q25 / contended q75 to solo q75 / contended q25), what a 5 % effect must clear to be told from noise. "
                + "P2 = what the "
                + "slow device's backend completed from the first fast run's start until the last finished (at least the "
                + "window below) over the backend rate, counted in whole completed requests from the first in the window to "
                + "the last (the server counts a 1 MiB request when it completes: a plain count over 5 s is off by up to "
                + "20 %). A run still not done after the cut-off ends the repetition: the slow "
                + "backend is then let run free so it can finish, and the time is reported as \"> cut-off\".";
    }

    @Override
    protected void setUp(ScenarioResult res) throws Exception {
        slowRate = 1L << 20;
        fastBytes = ctx.size(1000L << 20, 400L << 20);
        boolean throttle = wbgov.bench.rig.BlkThrottle.available();
        runs = (int) ctx.size(9, 3);
        warmupS = ctx.size(10.0, 3.0);
        p2WindowS = ctx.size(15.0, 5.0);
        res.param("slow backend rate", BenchContext.mib(slowRate) + "/s").param("fast writer", BenchContext.mib(fastBytes)
                + " + fdatasync").param("fast runs", runs + " (median)").param("fast device", throttle ? "loop on tmpfs, blk-throttle " + BenchContext.mib(FAST_RATE) + "/s"
                        : "loop on tmpfs, RAM-fast (no blk-throttle here)")
                .param("warm-up", warmupS + " s").param("P2 window (min)", p2WindowS + " s")
                .param("cut-off", ctx.cutoff(300.0) + " s");
        res.metric(Metric.of("P1", "fast writer throughput / solo", "x", Metric.Target.atLeast(0.95)));
        res.metric(Metric.of("P2", "slow device throughput / backend rate", "x", Metric.Target.atLeast(0.95)));
        res.metric(Metric.of("P1_pipeline", "P1 with the slow writer O_DIRECT (its pipeline as busy, its dirty pages ≈ 0)",
                "x"));
        res.metric(Metric.of("fast_s", "fast writer: time to fdatasync", "s"));
        res.metric(Metric.of("solo_s", "fast writer alone, same configuration (reference)", "s"));
        res.metric(Metric.of("slow_held_mib", "slow device: peak dirty + writeback (loop + FUSE)", "MiB"));
        res.metric(Metric.of("slow_drain_s", "slow device: peak drain time (held / rate)", "s"));
        slow = SlowNbdDevice.builder(ctx.work.resolve("contention-slow")).name("slow").sizeBytes(2L << 30)
                .rateBytesPerSec(slowRate).build();
        fast = FastDevice.builder(ctx.work.resolve("contention-fast")).sizeBytes(fastBytes + (512L << 20))
                .throttleBytesPerSec(throttle ? FAST_RATE : 0).build();
    }

    /**
     * The solo times of a write + fdatasync: {@code runs} runs after one unmeasured warm-up run
     * (a fresh ext4 pays block allocation and journal set-up on its first big write, which
     * measured 4.3 s against 0.5–2.8 s later).
     */
    static double[] solo(BenchContext ctx, Scenario s, java.nio.file.Path mount, long bytes, int runs) throws Exception {
        double[] times = new double[runs];
        for (int i = -1; i < runs; i++) {
            Writer w = Writer.start(mount.resolve("solo.dat"), bytes, Writer.Sync.FDATASYNC);
            s.await(w, "solo reference " + (i < 0 ? "(warm-up)" : (i + 1) + "/" + runs), bytes, 600);
            if (i >= 0) {
                times[i] = w.syncSeconds();
            }
            ctx.drain(List.of(), List.of(mount));
        }
        return times;
    }

    @Override
    protected RunResult runOne(Configuration c) throws Exception {
        Recorder rec = recorder(c);
        Recorder.WriterSlot slowSlot = rec.writer("slow_writer");
        Recorder.WriterSlot fastSlot = rec.writer("fast_writer");
        Recording recording = rec.start();
        RunResult r = new RunResult(c, recording);
        Writer sw = null;
        try {
            // The solo reference, interleaved: this configuration, slow device idle, just before its writer starts.
            rec.event("solo reference");
            soloTimes = solo(ctx, this, fast.mountPoint(), fastBytes, runs);
            soloS = Metrics.percentile(soloTimes, 50);
            if (c == Configuration.DEFAULTS) {
                pipelineOnly(rec, fastSlot, r);
            }
            sw = Writer.startUnbounded(slow.mountPoint().resolve("steady.dat"), Writer.Sync.NONE);
            slowSlot.set(sw);
            rec.event("slow writer starts");
            final Writer swf = sw;
            ctx.progress.sleep("slow device warm-up", warmupS, () -> (swf.bytesWritten() >> 20) + " MiB accepted on slow");
            double t0 = rec.now();
            double cutoff = ctx.cutoff(300.0);
            double[] times = new double[runs];
            java.util.Arrays.fill(times, Double.NaN);
            double end = Double.NaN; // set by a cut-off: from then on the slow backend ran free
            for (int i = 0; i < runs && Double.isNaN(end); i++) {
                double tRun = rec.event("fast writer " + (i + 1) + " starts");
                Writer fw = Writer.start(fast.mountPoint().resolve("fast.dat"), fastBytes, Writer.Sync.FDATASYNC);
                fastSlot.set(fw);
                if (awaitOrLift(fw, "fast writer " + (i + 1) + "/" + runs, fastBytes, cutoff, rec, List.of(slow))) {
                    times[i] = fw.syncSeconds();
                    recording.event(rec.at(fw.syncedNs()), "fast writer " + (i + 1) + " synced");
                    ctx.drain(List.of(), List.of(fast.mountPoint())); // its file only: the slow device stays busy
                } else {
                    end = tRun + cutoff;
                }
            }
            boolean inTime = Double.isNaN(end);
            if (inTime) {
                end = Math.max(rec.now(), t0 + p2WindowS);
                while (rec.now() < end + 0.2) {
                    Thread.sleep(50);
                }
            }
            rec.event("end of the measured part");
            endRun(rec, List.of(slow), sw);
            end = beforeCutOff(recording, end);
            double[] t = recording.time();
            double slowTput = Metrics.steppedThroughput(t, recording.column("slow." + Recording.BACKEND_WRITTEN), t0, end);
            r.put("solo_s", soloS).spread("solo_s", Metrics.min(soloTimes), Metrics.max(soloTimes)).put("P2", slowTput / slowRate);
            if (inTime) {
                double fastS = Metrics.percentile(times, 50);
                r.put("fast_s", fastS).spread("fast_s", Metrics.min(times), Metrics.max(times)).put("P1", soloS / fastS)
                        .spread("P1", Metrics.percentile(soloTimes, 25) / Metrics.percentile(times, 75),
                                Metrics.percentile(soloTimes, 75) / Metrics.percentile(times, 25));
            } else {
                r.putAtLeast("fast_s", cutoff).putAtMost("P1", soloS / cutoff);
                int made = (int) java.util.Arrays.stream(times).filter(x -> !Double.isNaN(x)).count();
                r.note("fast writer run " + (made + 1) + " of " + runs + " was not done after the " + (long) cutoff
                        + " s cut-off" + (made > 0 ? " (the runs before it: " + seconds(times) + ")" : "")
                        + "; the slow backend was then let run free so it could finish, and no further run was made");
            }
            double[] held = Metrics.sum(recording.column("slow.dirty_bytes"), recording.column("slow.writeback_bytes"),
                    recording.column("slow_fuse.dirty_bytes"), recording.column("slow_fuse.writeback_bytes"));
            r.put("slow_held_mib", Metrics.max(held) / MIB).put("slow_drain_s", Metrics.max(held) / slowRate);
            return r;
        } finally {
            stop(sw);
            rec.close();
        }
    }

    /** The fast writer beside the slow pipeline without its dirty pages ({@link #besideDirectSlowWriter}). */
    private void pipelineOnly(Recorder rec, Recorder.WriterSlot fastSlot, RunResult r) throws Exception {
        besideDirectSlowWriter(rec, slow, warmupS, () -> {
            double[] times = new double[runs];
            for (int i = 0; i < runs; i++) {
                Writer fw = Writer.start(fast.mountPoint().resolve("fast.dat"), fastBytes, Writer.Sync.FDATASYNC);
                fastSlot.set(fw);
                await(fw, "fast writer beside O_DIRECT " + (i + 1) + "/" + runs, fastBytes, 600);
                times[i] = fw.syncSeconds();
                ctx.drain(List.of(), List.of(fast.mountPoint()));
            }
            r.put("P1_pipeline", soloS / Metrics.percentile(times, 50))
                    .spread("P1_pipeline", Metrics.percentile(soloTimes, 25) / Metrics.percentile(times, 75),
                            Metrics.percentile(soloTimes, 75) / Metrics.percentile(times, 25));
        });
    }

    /** "0.41 s, 0.38 s" for the runs that were made. */
    private static String seconds(double[] times) {
        List<String> out = new java.util.ArrayList<>();
        for (double x : times) {
            if (!Double.isNaN(x)) {
                out.add(Report.number(x) + " s");
            }
        }
        return String.join(", ", out);
    }
}
