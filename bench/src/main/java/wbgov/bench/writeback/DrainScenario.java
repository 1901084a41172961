package wbgov.bench.writeback;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import wbgov.bench.rig.BdiStats;
import wbgov.bench.rig.BlkThrottle;
import wbgov.bench.rig.FastDevice;
import wbgov.bench.rig.SlowNbdDevice;
import wbgov.bench.rig.Writer;
import wbgov.governor.daemon.GovernorSnapshot;

/**
 * drain: "when can I pull this stick?" A copy to the slow NBD device (1 MiB/s) has just been
 * accepted, so the device holds what its configuration let it take; a fast device is busy beside
 * it. Under wbgov, {@code wbgov drain MOUNTPOINT} (the real CLI, its own JVM, asking the
 * scenario's daemon over its control socket) empties the slow device; under the other
 * configurations a global {@code sync}, what a user types today. Measured: the time to empty
 * against the time predicted at its start (the daemon's drain seconds of the loop device and the
 * FUSE bdi under it; held / rate where no daemon predicts), and the fast device's throughput
 * meanwhile against the same span before.
 */
public final class DrainScenario extends SlowBesideFastScenario {
    private long slowRate;
    private long fastRate;
    private long copyBytes;
    private double cutoffS;
    private int repeats;

    public DrainScenario(BenchContext ctx) {
        super(ctx);
    }

    @Override
    public String name() {
        return "drain";
    }

    @Override
    protected String title() {
        return "wbgov drain of the slow device beside a busy fast one";
    }

    @Override
    protected String description() {
        return "A writer keeps the fast device (loop on tmpfs, SSD-like by blk-throttle) busy; a copy to the slow NBD "
                + "device (1 MiB/s) is accepted (no sync of its own), so the device holds what its configuration allowed. "
                + "Then, under wbgov, `wbgov drain` of the slow file system (its own process, asking the daemon: the slow "
                + "device's new writers wait, only its file systems are synced); under the other configurations a global "
                + "`sync`. drain_s is until that command returned; predicted_s is the daemon's prediction at the start "
                + "(drain seconds of the loop device plus those of the FUSE bdi under it), held / rate without a daemon. "
                + "fast_ratio is the fast device's completion rate while it ran over the same span right before.";
    }

    @Override
    protected void setUp(ScenarioResult res) throws Exception {
        slowRate = 1L << 20;
        fastRate = 200L << 20;
        copyBytes = ctx.size(8L << 20, 4L << 20);
        repeats = (int) ctx.size(3, 1);
        cutoffS = ctx.cutoff(180.0);
        boolean throttle = BlkThrottle.available();
        res.param("slow backend rate", BenchContext.mib(slowRate) + "/s")
                .param("fast device", throttle ? "blk-throttle " + BenchContext.mib(fastRate) + "/s" : "RAM-fast")
                .param("copy", BenchContext.mib(copyBytes) + ", accepted, not synced")
                .param("drains per run", Integer.toString(repeats)).param("cut-off", cutoffS + " s");
        res.metric(Metric.of("drain_over_predicted", "drain (wbgov) or sync (others) / predicted", "x",
                Metric.Target.atMost(1.2)));
        res.metric(Metric.of("fast_ratio", "fast device completion rate during / before", "x", Metric.Target.atLeast(0.95)));
        res.metric(Metric.of("drain_s", "until it held nothing (wbgov drain's own clock) or `sync` returned", "s"));
        res.metric(Metric.of("predicted_s", "predicted at its start", "s"));
        res.metric(Metric.of("process_s", "the command's wall time (wbgov drain: with its JVM's start-up)", "s"));
        res.metric(Metric.of("held_mib", "slow device held at the start (loop + FUSE)", "MiB"));
        res.metric(Metric.of("exit", "exit status of wbgov drain / sync", ""));
        slow = SlowNbdDevice.builder(ctx.work.resolve("drain-slow")).name("slow").sizeBytes(1L << 30)
                .rateBytesPerSec(slowRate).build();
        fast = FastDevice.builder(ctx.work.resolve("drain-fast")).sizeBytes(1L << 30)
                .throttleBytesPerSec(throttle ? fastRate : 0).build();
    }

    @Override
    protected RunResult runOne(Configuration c) throws Exception {
        Recorder rec = recorder(c);
        Recorder.WriterSlot fs = rec.writer("fast_writer");
        Recorder.WriterSlot ss = rec.writer("copy");
        Recording recording = rec.start();
        RunResult r = new RunResult(c, recording);
        Writer fw = null;
        try {
            // The fast device busy for as long as the run takes: one 256 MiB file overwritten again and again.
            fw = Writer.startCycling(fast.mountPoint().resolve("busy.dat"), 256L << 20, Writer.Sync.NONE);
            fs.set(fw);
            rec.event("fast writer starts");
            final Writer fwf = fw;
            ctx.progress.sleep("fast device warm-up", 5.0, () -> (fwf.bytesWritten() >> 20) + " MiB on fast");
            double[] ratio = new double[repeats];
            double[] drain = new double[repeats];
            double[] fastRatio = new double[repeats];
            double[] predicted = new double[repeats];
            double[] held = new double[repeats];
            double[] process = new double[repeats];
            boolean cut = false;
            for (int i = 0; i < repeats; i++) {
                Once o = once(c, i, rec, recording, ss, r);
                ratio[i] = o.drainS / o.predictedS;
                drain[i] = o.drainS;
                fastRatio[i] = o.fastRatio;
                predicted[i] = o.predictedS;
                held[i] = o.heldBytes / (1 << 20);
                process[i] = o.processS;
                cut |= o.cut;
                r.note(String.format(Locale.ROOT, "drain %d: held %.2f MiB, predicted %.2f s, took %.2f s (process %.2f s, "
                        + "exit %d); fast device %.1f MiB/s before, %.1f during", i + 1, o.heldBytes / (double) (1 << 20),
                        o.predictedS, o.drainS, o.processS, o.exit, o.fastBefore / (1 << 20), o.fastDuring / (1 << 20)));
                r.put("exit", Math.max(o.exit, i == 0 ? 0 : r.get("exit")));
            }
            double medRatio = Metrics.percentile(ratio, 50);
            if (cut) {
                r.putAtLeast("drain_over_predicted", medRatio).putAtLeast("drain_s", Metrics.percentile(drain, 50));
            } else {
                r.put("drain_over_predicted", medRatio).put("drain_s", Metrics.percentile(drain, 50));
            }
            r.put("fast_ratio", Metrics.percentile(fastRatio, 50)).put("predicted_s", Metrics.percentile(predicted, 50))
                    .put("held_mib", Metrics.percentile(held, 50)).put("process_s", Metrics.percentile(process, 50));
            if (repeats > 1) {
                r.spread("drain_over_predicted", Metrics.min(ratio), Metrics.max(ratio))
                        .spread("drain_s", Metrics.min(drain), Metrics.max(drain))
                        .spread("fast_ratio", Metrics.min(fastRatio), Metrics.max(fastRatio));
            }
            stop(fw);
            rec.stop();
            return r;
        } finally {
            stop(fw);
            rec.close();
        }
    }

    /** One copy and its drain. */
    private record Once(double heldBytes, double predictedS, double drainS, double processS, int exit, double fastBefore,
            double fastDuring, double fastRatio, boolean cut) {
    }

    private Once once(Configuration c, int i, Recorder rec, Recording recording, Recorder.WriterSlot ss, RunResult r)
            throws Exception {
        Writer copy = Writer.start(slow.mountPoint().resolve("copy-" + i + ".dat"), copyBytes, Writer.Sync.NONE);
        ss.set(copy);
        rec.event("copy " + (i + 1));
        // accepted at the device's rate at worst (held to its floor): a few times that, never the short cut-off
        await(copy, "copy " + (i + 1) + " to the slow device", copyBytes, 3.0 * copyBytes / slowRate + 30);
        double tCopied = rec.event("accepted");
        // The prediction as status would show it a moment later: a tick after the copy's last write.
        Thread.sleep(300);
        double held = BdiStats.read(slow.loopBdi()).heldBytes() + BdiStats.read(slow.fuseBdi()).heldBytes();
        double predicted = predicted(held);

        List<String> cmd = c == Configuration.WBGOV && currentGovernor != null
                ? wbgovDrain(currentGovernor.stateDir(), slow.mountPoint()) : List.of("sync");
        double t0 = rec.event(c == Configuration.WBGOV ? "wbgov drain" : "sync");
        long s0 = System.nanoTime();
        Path log = ctx.work.resolve("drain-" + c.id() + ".log");
        java.nio.file.Files.deleteIfExists(log);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        boolean done = ctx.progress.await(c == Configuration.WBGOV ? "wbgov drain" : "sync", () -> !p.isAlive(),
                () -> String.format(Locale.ROOT, "%.1f MiB still held", heldMib()), (long) (cutoffS * 1e9));
        double drainS;
        double wall;
        if (!done) {
            rec.event("cut-off: rate lifted");
            slow.setRate(0);
            p.waitFor(600, TimeUnit.SECONDS);
            slow.setRate(slowRate);
            drainS = cutoffS;
            wall = cutoffS;
            r.note("drain " + (i + 1) + " did not return within the " + (long) cutoffS + " s cut-off; the backend rate "
                    + "was then lifted");
        } else {
            // wbgov drain's own clock (from its first request to the daemon), without its JVM's
            // start-up; the wall time of the process beside it
            wall = (System.nanoTime() - s0) / 1e9;
            drainS = ownSeconds(log, wall);
        }
        double t1 = rec.event("returned");
        double span = Math.max(3.0, t1 - t0); // a drain of a second is measured over 3 s
        ctx.progress.sleep("fast device after", Math.max(0, t0 + span - t1) + 0.3, () -> "");
        double[] t = recording.time();
        double[] fastDone = recording.column("fast." + Recording.WRITTEN);
        double before = Metrics.throughput(t, fastDone, tCopied - span, tCopied);
        double during = Metrics.throughput(t, fastDone, t0, t0 + span);
        java.nio.file.Files.deleteIfExists(copy.file());
        return new Once(held, predicted, drainS, wall, p.exitValue(), before, during, during / before, !done);
    }

    /**
     * The daemon's prediction: drain seconds of the loop device and of the FUSE bdi under it (the
     * data goes through both); held / rate where no daemon predicts or it has no estimate yet.
     */
    private double predicted(double held) {
        if (currentGovernor == null) {
            return held / slowRate;
        }
        double sum = 0;
        int found = 0;
        for (GovernorSnapshot.Device d : currentGovernor.governor().snapshot().devices()) {
            if (d.bdi().equals(slow.loopBdi()) || d.bdi().equals(slow.fuseBdi())) {
                found++;
                if (d.drainSeconds() == null) {
                    return held / slowRate; // no estimate yet
                }
                sum += d.drainSeconds();
            }
        }
        return found == 2 ? sum : held / slowRate;
    }

    /** The seconds {@code wbgov drain} reports ("holds nothing after 1.23 s"); {@code fallback} for sync. */
    private static double ownSeconds(Path log, double fallback) throws java.io.IOException {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("holds nothing after ([0-9.]+) s")
                .matcher(java.nio.file.Files.readString(log));
        return m.find() ? Double.parseDouble(m.group(1)) : fallback;
    }

    /** {@code wbgov drain --state-dir DIR MOUNT} in its own JVM, with this bench's classpath. */
    private static List<String> wbgovDrain(Path stateDir, Path mount) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Djna.tmpdir=" + stateDir.resolve("jna"), "-cp", System.getProperty("java.class.path"),
                "wbgov.cli.Main", "drain", "--state-dir", stateDir.toString(), "--timeout", "10m", mount.toString()));
        return cmd;
    }

    private double heldMib() {
        try {
            return (BdiStats.read(slow.loopBdi()).heldBytes() + BdiStats.read(slow.fuseBdi()).heldBytes()) / (double) (1 << 20);
        } catch (java.io.IOException e) {
            return Double.NaN;
        }
    }
}
