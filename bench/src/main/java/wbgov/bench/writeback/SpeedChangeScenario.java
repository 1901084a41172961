package wbgov.bench.writeback;

import java.util.List;
import wbgov.bench.rig.SlowNbdDevice;
import wbgov.bench.rig.Writer;

/**
 * speed change (P3, P5): a steady writer on the slow NBD device whose backend rate drops 10x
 * mid-run and then recovers. What a user cares about is the time the device needs to drain
 * what it holds: P3 is that time's p50 and p99 over the run, over the policy's 2 s target; P5
 * is how long after each change it takes to come back within 1.2x the target and stay there.
 */
public final class SpeedChangeScenario extends Scenario {
    private static final double MIB = 1 << 20;

    private long highRate;
    private long lowRate;
    private double phaseS;
    private SlowNbdDevice slow;

    public SpeedChangeScenario(BenchContext ctx) {
        super(ctx);
    }

    @Override
    public String name() {
        return "speed-change";
    }

    @Override
    protected String title() {
        return "the slow device's rate drops 10x, then recovers";
    }

    @Override
    protected String description() {
        return "A steady writer on the slow NBD device for three equal phases: backend at the high rate, at a tenth of it, "
                + "at the high rate again. Drain time per sample = (dirty + writeback of the loop and FUSE bdis) / the "
                + "backend rate in force. P3 = its p50 and p99 from 2 s after the start to the end, over the 2 s drain target "
                + "of the shipped slow-device policies (the same yardstick for every configuration). P5 = the longest, "
                + "over the two changes, from the change until the drain time is within 1.2 x the target and stays there "
                + "to the end of the phase (\"> phase\" when it never does).";
    }

    @Override
    protected void setUp(ScenarioResult res) throws Exception {
        highRate = 8L << 20;
        lowRate = highRate / 10;
        phaseS = ctx.size(20.0, 4.0);
        res.param("high rate", BenchContext.mib(highRate) + "/s").param("low rate", BenchContext.mib(lowRate) + "/s")
                .param("phase", phaseS + " s").param("drain target", BenchContext.SLOW_DRAIN_TARGET_S + " s");
        res.metric(Metric.of("P3_p50", "drain time p50 / target", "x"));
        res.metric(Metric.of("P3_p99", "drain time p99 / target", "x", Metric.Target.atMost(1.2)));
        res.metric(Metric.of("P5", "seconds to re-converge after a change (worst of two)", "s", Metric.Target.atMost(3)));
        res.metric(Metric.of("drain_p99_s", "drain time p99", "s"));
        res.metric(Metric.of("held_peak_mib", "peak dirty + writeback (loop + FUSE)", "MiB"));
        res.metric(Metric.of("util_low", "backend throughput / rate, low phase", "x"));
        res.metric(Metric.of("util_high2", "backend throughput / rate, recovered phase", "x"));
        slow = SlowNbdDevice.builder(ctx.work.resolve("speed-slow")).name("slow").sizeBytes(2L << 30)
                .rateBytesPerSec(highRate).build();
    }

    @Override
    protected BenchContext.Devices devices() {
        return BenchContext.Devices.of(List.of(slow));
    }

    @Override
    protected RunResult runOne(Configuration c) throws Exception {
        slow.setRate(highRate);
        Recorder rec = new Recorder(name(), c.id(), BenchContext.PERIOD_NS).nbd("slow", slow);
        Recorder.WriterSlot slot = rec.writer("writer");
        Recording recording = rec.start();
        RunResult r = new RunResult(c, recording);
        Writer w = null;
        try {
            w = Writer.startUnbounded(slow.mountPoint().resolve("steady.dat"), Writer.Sync.NONE);
            slot.set(w);
            rec.event("writer starts");
            final Writer wf = w;
            ctx.progress.sleep("high rate", phaseS, () -> (wf.bytesWritten() >> 20) + " MiB accepted");
            slow.setRate(lowRate);
            double tDrop = rec.event("rate / 10");
            ctx.progress.sleep("low rate", phaseS, () -> (wf.bytesWritten() >> 20) + " MiB accepted");
            slow.setRate(highRate);
            double tUp = rec.event("rate x 10");
            ctx.progress.sleep("recovered rate", phaseS, () -> (wf.bytesWritten() >> 20) + " MiB accepted");
            double tEnd = rec.event("writer stops");
            endRun(rec, List.of(slow), w);
            double[] t = recording.time();
            double[] held = Metrics.sum(recording.column("slow.dirty_bytes"), recording.column("slow.writeback_bytes"),
                    recording.column("slow_fuse.dirty_bytes"), recording.column("slow_fuse.writeback_bytes"));
            double[] drain = Metrics.drainSeconds(held, recording.column("slow." + Recording.BACKEND_RATE));
            double[] run = Metrics.window(t, drain, 2.0, tEnd);
            double target = BenchContext.SLOW_DRAIN_TARGET_S;
            r.put("P3_p50", Metrics.percentile(run, 50) / target).put("P3_p99", Metrics.percentile(run, 99) / target)
                    .put("drain_p99_s", Metrics.percentile(run, 99)).put("held_peak_mib", Metrics.max(held) / MIB);
            double down = Metrics.reconvergeSeconds(t, drain, tDrop, tUp, 1.2 * target);
            double up = Metrics.reconvergeSeconds(t, drain, tUp, tEnd, 1.2 * target);
            if (Double.isNaN(down) || Double.isNaN(up)) {
                r.putAtLeast("P5", phaseS);
                r.note("P5: drain time still above 1.2 x target at the end of the "
                        + (Double.isNaN(down) ? "low-rate" : "recovered") + " phase");
            } else {
                r.put("P5", Math.max(down, up));
            }
            double[] bw = recording.column("slow." + Recording.BACKEND_WRITTEN);
            r.put("util_low", Metrics.throughput(t, bw, tDrop + 1, tUp) / lowRate)
                    .put("util_high2", Metrics.throughput(t, bw, tUp + 1, tEnd) / highRate);
            return r;
        } finally {
            stop(w);
            rec.close();
            slow.setRate(highRate);
        }
    }

    @Override
    protected void between() throws Exception {
        ctx.drain(List.of(slow), List.of());
    }

    @Override
    protected void tearDown() throws Exception {
        if (slow != null) {
            slow.close();
        }
    }

    @Override
    protected List<String> plotDevices() {
        return List.of("slow", "slow_fuse");
    }
}
