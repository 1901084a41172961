package wbgov.bench.writeback;

import java.util.List;
import wbgov.bench.rig.SlowNbdDevice;
import wbgov.bench.rig.Writer;

/**
 * burst (P4): a burst of writes to a fast device of the slow device's class (a second NBD
 * export through nbdfuse, at SSD-like speed) while the slow one is busy. A static cap for the
 * class suits the slow device and costs the fast one: CONTEXT.md measured a 16 MiB cap making
 * a 400 MB burst 2.5x slower to be accepted. P4 = time until the burst is accepted, and until
 * it is on the device, each over the uncapped solo time.
 */
public final class BurstScenario extends Scenario {
    private long slowRate;
    private long fastRate;
    private long burstBytes;
    private int repeats;
    private double warmupS;
    private double soloAcceptS;
    private double soloSyncS;
    private SlowNbdDevice slow;
    private SlowNbdDevice fastNbd;

    public BurstScenario(BenchContext ctx) {
        super(ctx);
    }

    @Override
    public String name() {
        return "burst";
    }

    @Override
    protected String title() {
        return "a burst to a fast device of the slow device's class";
    }

    @Override
    protected String description() {
        return "Two NBD devices of one class (bundled server → nbdfuse → loop → ext4): a slow one with a steady writer, "
                + "and a fast one that receives a burst (write + fdatasync), repeated with pauses; the median is taken, "
                + "with min–max beside it. P4 accept = time until the last write() of the burst returned, P4 durable = "
                + "until fdatasync returned, each over the same burst alone on kernel defaults with the slow device idle. Under every configuration, "
                + "as for that solo reference, one warm-up burst of the same size goes to the fast device first (slow "
                + "device idle, the configuration already in force): its acceptance over the solo time is the \"first "
                + "meeting\" line (wbgov meets a device it never saw at its class's cautious initial allowance). Under "
                + "wbgov the daemon is then restarted (knobs restored, what it learned kept in its state directory, as "
                + "wbgov run --remember): the bursts that follow meet a daemon that saw the device in an earlier run, not "
                + "one that learned it a moment ago. The first of them, slow device still idle, is the \"remembered\" "
                + "line (under the other configurations a second burst alike). Then the steady writer starts, and after "
                + "its warm-up come the measured bursts; the first of them alone is the \"beside first\" line. A burst "
                + "not on the device after the "
                + "cut-off is reported as \"> cut-off\" (the slow backend is then let run free so it can finish).";
    }

    @Override
    protected void setUp(ScenarioResult res) throws Exception {
        slowRate = 1L << 20;
        fastRate = 200L << 20;
        burstBytes = ctx.size(400L << 20, 200L << 20);
        repeats = (int) ctx.size(3, 1);
        warmupS = ctx.size(10.0, 3.0);
        res.param("slow backend rate", BenchContext.mib(slowRate) + "/s")
                .param("fast backend rate", BenchContext.mib(fastRate) + "/s").param("burst", BenchContext.mib(burstBytes)
                        + " + fdatasync").param("bursts per run", "1 warm-up + 1 remembered + " + repeats + " measured")
                .param("slow warm-up", warmupS + " s").param("cut-off", ctx.cutoff(120.0) + " s");
        res.metric(Metric.of("P4_accept", "burst accepted / solo", "x", Metric.Target.atMost(1.05)));
        res.metric(Metric.of("P4_durable", "burst on the device / solo", "x", Metric.Target.atMost(1.05)));
        res.metric(Metric.of("P4_first_meeting", "first burst to a device never seen, accepted / solo", "x"));
        res.metric(Metric.of("P4_remembered", "burst after the first meeting, slow device idle, accepted / solo (wbgov: "
                + "to a device met in an earlier run, after the daemon's restart)", "x", Metric.Target.atMost(1.05)));
        res.metric(Metric.of("P4_beside_first", "first burst beside the slow writer, accepted / solo", "x"));
        res.metric(Metric.of("P4_pipeline", "P4_accept with the slow writer O_DIRECT (its pipeline as busy, its dirty "
                + "pages ≈ 0): what no write-back setting can remove", "x"));
        res.metric(Metric.of("accept_s", "burst accepted", "s"));
        res.metric(Metric.of("durable_s", "burst on the device", "s"));
        res.metric(Metric.of("slow_util", "slow device throughput / rate during the run", "x"));
        slow = SlowNbdDevice.builder(ctx.work.resolve("burst-slow")).name("slow").sizeBytes(2L << 30)
                .rateBytesPerSec(slowRate).build();
        fastNbd = SlowNbdDevice.builder(ctx.work.resolve("burst-fast")).name("fastnbd").sizeBytes(burstBytes + (1L << 30))
                .rateBytesPerSec(fastRate).inflightBytes(64L << 20).build();
        try (AutoCloseable a = ctx.apply(Configuration.DEFAULTS, snap, devices(), ctx.work)) {
            double[] acc = new double[repeats];
            double[] syn = new double[repeats];
            for (int i = -1; i < repeats; i++) {
                Writer w = Writer.start(fastNbd.mountPoint().resolve("burst.dat"), burstBytes, Writer.Sync.FDATASYNC);
                await(w, "solo burst " + (i < 0 ? "(warm-up)" : (i + 1) + "/" + repeats), burstBytes, 600);
                if (i >= 0) {
                    acc[i] = w.acceptSeconds();
                    syn[i] = w.syncSeconds();
                }
                ctx.drain(List.of(fastNbd), List.of());
            }
            soloAcceptS = Metrics.percentile(acc, 50);
            soloSyncS = Metrics.percentile(syn, 50);
        }
        res.note("solo reference (median of " + repeats + " after a warm-up burst): accepted in "
                + Report.number(soloAcceptS) + " s, on the device in " + Report.number(soloSyncS) + " s");
    }

    @Override
    protected BenchContext.Devices devices() {
        return BenchContext.Devices.of(List.of(slow, fastNbd));
    }

    @Override
    protected RunResult runOne(Configuration c) throws Exception {
        Recorder rec = new Recorder(name(), c.id(), BenchContext.PERIOD_NS).nbd("slow", slow).nbd("fastnbd", fastNbd);
        Recorder.WriterSlot slowSlot = rec.writer("slow_writer");
        Recorder.WriterSlot burstSlot = rec.writer("burst_writer");
        Recording recording = rec.start();
        RunResult r = new RunResult(c, recording);
        Writer sw = null;
        try {
            // The warm-up burst, not measured: the device has been written before, as for the solo reference.
            rec.event("warm-up burst");
            Writer warm = Writer.start(fastNbd.mountPoint().resolve("burst-warm-up.dat"), burstBytes, Writer.Sync.FDATASYNC);
            burstSlot.set(warm);
            await(warm, "warm-up burst (first meeting)", burstBytes, 600);
            r.put("P4_first_meeting", warm.acceptSeconds() / soloAcceptS);
            ctx.drain(List.of(), List.of(fastNbd.mountPoint()));
            if (currentGovernor != null) {
                rec.event("daemon restarted: a later run, remembering the device");
                currentGovernor.restart();
            }
            // The remembered burst: as the first meeting (slow device idle, as for the solo
            // reference), but under wbgov to a daemon that met the device in an earlier run.
            rec.event("remembered burst");
            Writer again = Writer.start(fastNbd.mountPoint().resolve("burst-remembered.dat"), burstBytes,
                    Writer.Sync.FDATASYNC);
            burstSlot.set(again);
            await(again, "burst after the restart (remembered)", burstBytes, 600);
            r.put("P4_remembered", again.acceptSeconds() / soloAcceptS);
            java.nio.file.Files.deleteIfExists(again.file());
            ctx.drain(List.of(), List.of(fastNbd.mountPoint()));
            if (c == Configuration.DEFAULTS) {
                pipelineOnly(rec, burstSlot, r);
            }
            sw = Writer.startUnbounded(slow.mountPoint().resolve("steady.dat"), Writer.Sync.NONE);
            slowSlot.set(sw);
            double tStart = rec.event("slow writer starts");
            final Writer swf = sw;
            ctx.progress.sleep("slow device warm-up", warmupS, () -> (swf.bytesWritten() >> 20) + " MiB accepted on slow");
            double[] acc = new double[repeats];
            double[] syn = new double[repeats];
            boolean cut = false;
            for (int i = 0; i < repeats; i++) {
                rec.event("burst " + (i + 1));
                Writer b = Writer.start(fastNbd.mountPoint().resolve("burst-" + i + ".dat"), burstBytes, Writer.Sync.FDATASYNC);
                burstSlot.set(b);
                double cutoff = ctx.cutoff(120.0);
                if (awaitOrLift(b, "burst " + (i + 1) + "/" + repeats, burstBytes, cutoff, rec, List.of(slow))) {
                    acc[i] = b.acceptSeconds();
                    syn[i] = b.syncSeconds();
                } else {
                    acc[i] = Math.min(b.acceptSeconds(), cutoff);
                    syn[i] = cutoff;
                    cut = true;
                }
                java.nio.file.Files.deleteIfExists(b.file());
                if (i + 1 < repeats) {
                    ctx.progress.sleep("pause", 2.0, () -> "");
                }
            }
            double tEnd = rec.event("slow writer stops");
            endRun(rec, List.of(slow), sw);
            r.put("P4_beside_first", acc[0] / soloAcceptS);
            double a = Metrics.percentile(acc, 50);
            double s = Metrics.percentile(syn, 50);
            if (cut) {
                // a cut-off burst's times are lower bounds; so are the medians and ratios
                r.putAtLeast("accept_s", a).putAtLeast("durable_s", s).putAtLeast("P4_accept", a / soloAcceptS)
                        .putAtLeast("P4_durable", s / soloSyncS);
                r.note("a burst was not on the device after the cut-off; the slow backend was then let run free");
            } else {
                r.put("accept_s", a).put("durable_s", s).put("P4_accept", a / soloAcceptS).put("P4_durable", s / soloSyncS);
                if (repeats > 1) {
                    r.spread("accept_s", Metrics.min(acc), Metrics.max(acc))
                            .spread("durable_s", Metrics.min(syn), Metrics.max(syn))
                            .spread("P4_accept", Metrics.min(acc) / soloAcceptS, Metrics.max(acc) / soloAcceptS)
                            .spread("P4_durable", Metrics.min(syn) / soloSyncS, Metrics.max(syn) / soloSyncS);
                }
            }
            double utilEnd = beforeCutOff(recording, tEnd); // after a cut-off the slow backend ran free
            r.put("slow_util", Metrics.throughput(recording.time(), recording.column("slow." + Recording.BACKEND_WRITTEN),
                    tStart + 1, utilEnd) / slowRate);
            return r;
        } finally {
            stop(sw);
            rec.close();
        }
    }

    /** The bursts beside the slow pipeline without its dirty pages ({@link #besideDirectSlowWriter}). */
    private void pipelineOnly(Recorder rec, Recorder.WriterSlot burstSlot, RunResult r) throws Exception {
        besideDirectSlowWriter(rec, slow, warmupS, () -> {
            double[] acc = new double[repeats];
            for (int i = 0; i < repeats; i++) {
                Writer b = Writer.start(fastNbd.mountPoint().resolve("burst-direct-" + i + ".dat"), burstBytes,
                        Writer.Sync.FDATASYNC);
                burstSlot.set(b);
                await(b, "burst beside O_DIRECT " + (i + 1) + "/" + repeats, burstBytes, 600);
                acc[i] = b.acceptSeconds();
                java.nio.file.Files.deleteIfExists(b.file());
                ctx.drain(List.of(), List.of(fastNbd.mountPoint()));
            }
            r.put("P4_pipeline", Metrics.percentile(acc, 50) / soloAcceptS);
            if (repeats > 1) {
                r.spread("P4_pipeline", Metrics.min(acc) / soloAcceptS, Metrics.max(acc) / soloAcceptS);
            }
        });
    }

    @Override
    protected void between() throws Exception {
        ctx.drain(List.of(slow, fastNbd), List.of());
    }

    @Override
    protected void tearDown() throws Exception {
        closeAll(fastNbd, slow);
    }

    @Override
    protected List<String> plotDevices() {
        return List.of("slow", "slow_fuse", "fastnbd", "fastnbd_fuse");
    }
}
