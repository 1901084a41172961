package wbgov.bench.writeback;

import java.util.ArrayList;
import java.util.List;
import wbgov.bench.rig.BlkThrottle;
import wbgov.bench.rig.FastDevice;
import wbgov.bench.rig.SlowNbdDevice;
import wbgov.bench.rig.Writer;

/**
 * two slow devices (P6): two NBD devices of different speeds and an SSD-like fast device, each
 * with a steady writer. The seed's rule: limits may be wrong in many ways but never drive a
 * device's progress to zero. P6 = seconds (1 s bins) in which any writing device completed
 * nothing. CONTEXT.md measured the slow device frozen for 16 s under kernel defaults while an
 * SSD-like device wrote.
 */
public final class TwoSlowScenario extends Scenario {
    private long rateA;
    private long rateB;
    private long fastRate;
    private double durationS;
    /** The fast writer rewrites two files of this size in turn, so the device need not hold the whole run. */
    private long cycleBytes;
    private SlowNbdDevice a;
    private SlowNbdDevice b;
    private FastDevice fast;

    public TwoSlowScenario(BenchContext ctx) {
        super(ctx);
    }

    @Override
    public String name() {
        return "two-slow";
    }

    @Override
    protected String title() {
        return "two slow devices of different speeds and a fast one";
    }

    @Override
    protected String description() {
        return "Steady writers on two NBD devices (bundled server → nbdfuse → loop → ext4) of different rates and on a fast "
                + "device (loop on tmpfs, ext4, held to an SSD-like rate by blk-throttle), all at once. A device's progress is "
                + "what its backend completed (the server's count for NBD, BdiWritten for the fast device). P6 = seconds, "
                + "in 1 s bins from 2 s after the start to the end, in which any of the three completed nothing.";
    }

    @Override
    protected void setUp(ScenarioResult res) throws Exception {
        rateA = 1L << 20;
        rateB = 4L << 20;
        fastRate = 200L << 20;
        durationS = ctx.size(40.0, 7.0);
        cycleBytes = ctx.size(1L << 30, 512L << 20);
        boolean throttle = BlkThrottle.available();
        res.param("slow A rate", BenchContext.mib(rateA) + "/s").param("slow B rate", BenchContext.mib(rateB) + "/s")
                .param("fast device", throttle ? "blk-throttle " + BenchContext.mib(fastRate) + "/s" : "RAM-fast")
                .param("fast writer", "two files of " + BenchContext.mib(cycleBytes) + " rewritten in turn")
                .param("duration", durationS + " s");
        if (!throttle) {
            res.note("blk-throttle unavailable (" + BlkThrottle.whyNot() + "): the fast device is RAM-fast");
        }
        res.metric(Metric.of("P6", "seconds with a writing device at zero progress", "s", Metric.Target.atMost(0)));
        res.metric(Metric.of("zero_a_s", "of which slow A", "s"));
        res.metric(Metric.of("zero_b_s", "of which slow B", "s"));
        res.metric(Metric.of("zero_fast_s", "of which fast", "s"));
        res.metric(Metric.of("util_a", "slow A throughput / rate", "x"));
        res.metric(Metric.of("util_b", "slow B throughput / rate", "x"));
        res.metric(Metric.of("fast_mibs", "fast device throughput", "MiB/s"));
        a = SlowNbdDevice.builder(ctx.work.resolve("two-a")).name("a").sizeBytes(2L << 30).rateBytesPerSec(rateA).build();
        b = SlowNbdDevice.builder(ctx.work.resolve("two-b")).name("b").sizeBytes(2L << 30).rateBytesPerSec(rateB).build();
        fast = FastDevice.builder(ctx.work.resolve("two-fast")).sizeBytes(cycleBytes * 2 + (512L << 20))
                .throttleBytesPerSec(throttle ? fastRate : 0).build();
    }

    @Override
    protected BenchContext.Devices devices() {
        return BenchContext.Devices.of(List.of(a, b), fast.bdi());
    }

    @Override
    protected RunResult runOne(Configuration c) throws Exception {
        Recorder rec = new Recorder(name(), c.id(), BenchContext.PERIOD_NS).nbd("a", a).nbd("b", b).device("fast", fast.bdi());
        Recorder.WriterSlot sa = rec.writer("writer_a");
        Recorder.WriterSlot sb = rec.writer("writer_b");
        Recorder.WriterSlot sf = rec.writer("writer_fast");
        Recording recording = rec.start();
        RunResult r = new RunResult(c, recording);
        List<Writer> ws = new ArrayList<>();
        Cycler cycler = null;
        try {
            Writer wa = Writer.startUnbounded(a.mountPoint().resolve("steady.dat"), Writer.Sync.NONE);
            ws.add(wa);
            sa.set(wa);
            Writer wb = Writer.startUnbounded(b.mountPoint().resolve("steady.dat"), Writer.Sync.NONE);
            ws.add(wb);
            sb.set(wb);
            Cycler wf = new Cycler(sf);
            cycler = wf;
            rec.event("writers start");
            ctx.progress.sleep("three writers", durationS, () -> String.format(java.util.Locale.ROOT,
                    "A %d MiB, B %d MiB, fast %d MiB accepted", wa.bytesWritten() >> 20, wb.bytesWritten() >> 20,
                    wf.bytesWritten() >> 20));
            double tEnd = rec.event("writers stop");
            endRun(rec, List.of(a, b), wf, wa, wb);
            double[] t = recording.time();
            double[] ca = recording.column("a." + Recording.BACKEND_WRITTEN);
            double[] cb = recording.column("b." + Recording.BACKEND_WRITTEN);
            double[] cf = recording.column("fast." + Recording.WRITTEN);
            double from = 2.0;
            r.put("P6", Metrics.zeroProgressSecondsAny(t, List.of(ca, cb, cf), from, tEnd, 1.0))
                    .put("zero_a_s", Metrics.zeroProgressSeconds(t, ca, from, tEnd, 1.0))
                    .put("zero_b_s", Metrics.zeroProgressSeconds(t, cb, from, tEnd, 1.0))
                    .put("zero_fast_s", Metrics.zeroProgressSeconds(t, cf, from, tEnd, 1.0))
                    .put("util_a", Metrics.throughput(t, ca, from, tEnd) / rateA)
                    .put("util_b", Metrics.throughput(t, cb, from, tEnd) / rateB)
                    .put("fast_mibs", Metrics.throughput(t, cf, from, tEnd) / (1 << 20));
            return r;
        } finally {
            if (cycler != null) {
                cycler.close();
            }
            for (Writer w : ws) {
                w.stop();
            }
            for (Writer w : ws) {
                stop(w);
            }
            rec.close();
        }
    }

    /** A steady writer on the fast device: bounded writers of {@link #cycleBytes} into two files in turn. */
    private final class Cycler implements AutoCloseable {
        private final Thread thread;
        private volatile boolean stop;
        private volatile Writer current;
        private final Recorder.WriterSlot slot;

        Cycler(Recorder.WriterSlot slot) {
            this.slot = slot;
            thread = new Thread(() -> {
                for (int i = 0; !stop; i++) {
                    Writer w = Writer.start(fast.mountPoint().resolve("cycle-" + (i % 2) + ".dat"), cycleBytes, Writer.Sync.NONE);
                    current = w;
                    slot.set(w);
                    if (stop) {
                        w.stop();
                    }
                    try {
                        w.await(1, java.util.concurrent.TimeUnit.HOURS); // close() would stop it at once
                    } catch (java.io.IOException e) {
                        return;
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }, "fast-cycler");
            thread.setDaemon(true);
            thread.start();
        }

        long bytesWritten() {
            return slot.progressBytes();
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            Writer w = current;
            if (w != null) {
                w.stop();
            }
            thread.join(60_000);
        }
    }

    @Override
    protected void between() throws Exception {
        ctx.drain(List.of(a, b), List.of(fast.mountPoint()));
    }

    @Override
    protected void tearDown() throws Exception {
        closeAll(fast, b, a);
    }

    @Override
    protected List<String> plotDevices() {
        return List.of("a", "a_fuse", "b", "b_fuse", "fast");
    }
}
