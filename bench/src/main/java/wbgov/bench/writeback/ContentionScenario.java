package wbgov.bench.writeback;

import java.util.List;
import wbgov.bench.rig.FastDevice;
import wbgov.bench.rig.SlowNbdDevice;
import wbgov.bench.rig.Writer;

/**
 * contention (P1, P2): a steady writer on the slow NBD device while a fast writer writes N MiB
 * to a RAM-fast device and fdatasyncs. Kernel defaults let the slow device fill the shared
 * budget and stall the fast writer (CONTEXT.md: 5.8x slower); a fixed cap or wbgov should
 * not, and neither may starve the slow device.
 */
public final class ContentionScenario extends Scenario {
    private static final double MIB = 1 << 20;

    private long slowRate;
    private long fastBytes;
    private double warmupS;
    private double p2WindowS;
    private double soloS;
    private SlowNbdDevice slow;
    private FastDevice fast;

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
                + "a warm-up; then a fast writer writes to a RAM-fast device (loop on tmpfs, ext4) and fdatasyncs. "
                + "P1 = the fast writer's throughput (bytes / time to fdatasync) over its solo throughput (same write, "
                + "kernel defaults, slow device idle). P2 = what the slow device's backend completed from the fast "
                + "writer's start until it finished (at least the window below) over the backend rate.";
    }

    @Override
    protected void setUp(ScenarioResult res) throws Exception {
        slowRate = 1L << 20;
        fastBytes = ctx.size(1500L << 20, 600L << 20);
        warmupS = ctx.size(10.0, 5.0);
        p2WindowS = ctx.size(15.0, 8.0);
        res.param("slow backend rate", BenchContext.mib(slowRate) + "/s").param("fast writer", BenchContext.mib(fastBytes)
                + " + fdatasync").param("fast device", "loop on tmpfs, RAM-fast").param("warm-up", warmupS + " s")
                .param("P2 window (min)", p2WindowS + " s");
        res.metric(Metric.of("P1", "fast writer throughput / solo", "x", Metric.Target.atLeast(0.95)));
        res.metric(Metric.of("P2", "slow device throughput / backend rate", "x", Metric.Target.atLeast(0.95)));
        res.metric(Metric.of("fast_s", "fast writer: time to fdatasync", "s"));
        res.metric(Metric.of("solo_s", "fast writer alone (reference)", "s"));
        res.metric(Metric.of("slow_held_mib", "slow device: peak dirty + writeback (loop + FUSE)", "MiB"));
        res.metric(Metric.of("slow_drain_s", "slow device: peak drain time (held / rate)", "s"));
        slow = SlowNbdDevice.builder(ctx.work.resolve("contention-slow")).name("slow").sizeBytes(2L << 30)
                .rateBytesPerSec(slowRate).build();
        fast = FastDevice.builder(ctx.work.resolve("contention-fast")).sizeBytes(fastBytes + (512L << 20)).build();
        // The solo reference: kernel defaults on the same budget, slow device idle.
        try (AutoCloseable a = ctx.apply(Configuration.DEFAULTS, snap, devices(), ctx.work)) {
            soloS = solo(ctx, this, fast.mountPoint(), fastBytes, ctx.size(3, 2));
        }
        res.note("solo reference (median of " + ctx.size(3, 2) + " after a warm-up run): " + Report.number(soloS) + " s for " + BenchContext.mib(fastBytes) + " ("
                + Report.number(fastBytes / MIB / soloS) + " MiB/s)");
    }

    /**
     * The solo time of a write + fdatasync: the median of {@code runs} runs after one unmeasured
     * warm-up run (a fresh ext4 pays block allocation and journal set-up on its first big write,
     * which measured 4.3 s against 0.5–2.8 s later).
     */
    static double solo(BenchContext ctx, Scenario s, java.nio.file.Path mount, long bytes, long runs) throws Exception {
        double[] times = new double[(int) runs];
        for (int i = -1; i < runs; i++) {
            Writer w = Writer.start(mount.resolve("solo.dat"), bytes, Writer.Sync.FDATASYNC);
            s.await(w, "solo reference " + (i < 0 ? "(warm-up)" : (i + 1) + "/" + runs), bytes, 600);
            if (i >= 0) {
                times[i] = w.syncSeconds();
            }
            ctx.drain(List.of(), List.of(mount));
        }
        return Metrics.percentile(times, 50);
    }

    @Override
    protected BenchContext.Devices devices() {
        return new BenchContext.Devices(List.of(slow.loopBdi(), slow.fuseBdi(), fast.bdi()),
                List.of(slow.loopBdi(), slow.fuseBdi()), List.of(slow.export()));
    }

    @Override
    protected RunResult runOne(Configuration c) throws Exception {
        Recorder rec = new Recorder(name(), c.id(), BenchContext.PERIOD_NS).device("slow", slow.loopBdi())
                .device("slow_fuse", slow.fuseBdi()).export("slow", slow.export()).device("fast", fast.bdi());
        Recorder.WriterSlot slowSlot = rec.writer("slow_writer");
        Recorder.WriterSlot fastSlot = rec.writer("fast_writer");
        Recording recording = rec.start();
        RunResult r = new RunResult(c, recording);
        Writer sw = null;
        try {
            sw = Writer.startUnbounded(slow.mountPoint().resolve("steady.dat"), Writer.Sync.NONE);
            slowSlot.set(sw);
            rec.event("slow writer starts");
            final Writer swf = sw;
            ctx.progress.sleep("slow device warm-up", warmupS, () -> (swf.bytesWritten() >> 20) + " MiB accepted on slow");
            double t0 = rec.event("fast writer starts");
            Writer fw = Writer.start(fast.mountPoint().resolve("fast.dat"), fastBytes, Writer.Sync.FDATASYNC);
            fastSlot.set(fw);
            double cutoff = ctx.size(300.0, 60.0);
            boolean inTime = awaitOrLift(fw, "fast writer", fastBytes, cutoff, rec, List.of(slow));
            double t1 = inTime ? rec.at(fw.syncedNs()) : t0 + cutoff;
            recording.event(t1, "fast writer synced");
            double end = Math.max(t1, t0 + p2WindowS);
            while (rec.now() < end + 0.2) {
                Thread.sleep(50);
            }
            stop(sw);
            rec.event("slow writer stops");
            rec.stop();
            double[] t = recording.time();
            double slowTput = Metrics.throughput(t, recording.column("slow." + Recording.BACKEND_WRITTEN), t0, end);
            r.put("solo_s", soloS).put("P2", slowTput / slowRate);
            if (inTime) {
                r.put("fast_s", fw.syncSeconds()).put("P1", soloS / fw.syncSeconds());
            } else {
                r.putAtLeast("fast_s", cutoff).putAtMost("P1", soloS / cutoff);
                r.note("the fast writer was not done after the " + (long) cutoff + " s cut-off; the slow backend was "
                        + "then let run free so it could finish");
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

    @Override
    protected void between() throws Exception {
        ctx.drain(List.of(slow), List.of(fast.mountPoint()));
    }

    @Override
    protected void tearDown() throws Exception {
        closeAll(fast, slow);
    }

    @Override
    protected List<String> plotDevices() {
        return List.of("slow", "slow_fuse", "fast");
    }
}
