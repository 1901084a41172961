package wbgov.bench.writeback;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import wbgov.bench.rig.BlkThrottle;
import wbgov.bench.rig.FastDevice;
import wbgov.bench.rig.Sh;
import wbgov.bench.rig.SlowNbdDevice;
import wbgov.bench.rig.Writer;

/**
 * sync wait: what a user waits before pulling a USB stick. A steady writer on the slow device
 * while a fast writer writes to an SSD-like device; then every writer stops, and the time for
 * {@code sync -f} of the slow file system and for unmounting it is measured. CONTEXT.md: 227 s
 * under kernel defaults, 1.5 s with a 2–4 MiB strict cap, 7.6 s with 16 MiB.
 */
public final class SyncWaitScenario extends SlowBesideFastScenario {
    private long slowRate;
    private long fastRate;
    private long fastBytes;
    private double syncTimeoutS;

    public SyncWaitScenario(BenchContext ctx) {
        super(ctx);
    }

    @Override
    public String name() {
        return "sync-wait";
    }

    @Override
    protected String title() {
        return "sync and unmount of the slow device after the writers stop";
    }

    @Override
    protected String description() {
        return "A steady writer on the slow NBD device while a fast writer writes to a fast device (loop on tmpfs, SSD-like "
                + "by blk-throttle) and fdatasyncs; when the fast writer is done, the slow writer stops (no sync of its own). "
                + "Then `sync -f` of the slow file system is timed, then its `umount` (it is mounted again afterwards). A sync "
                + "still running after the time-out is reported as \"> time-out\" and the backend rate is then lifted so the "
                + "run can end; the predicted wait (held / rate at the stop) is given beside it.";
    }

    @Override
    protected void setUp(ScenarioResult res) throws Exception {
        slowRate = 1L << 20;
        fastRate = 200L << 20;
        fastBytes = ctx.size(1200L << 20, 400L << 20);
        syncTimeoutS = ctx.size(120.0, 12.0);
        boolean throttle = BlkThrottle.available();
        res.param("slow backend rate", BenchContext.mib(slowRate) + "/s")
                .param("fast device", throttle ? "blk-throttle " + BenchContext.mib(fastRate) + "/s" : "RAM-fast")
                .param("fast writer", BenchContext.mib(fastBytes) + " + fdatasync").param("sync time-out", syncTimeoutS + " s")
                .param("fast writer cut-off", ctx.cutoff(300.0) + " s");
        res.metric(Metric.of("sync_s", "sync -f of the slow file system", "s"));
        res.metric(Metric.of("umount_s", "umount after that sync", "s"));
        res.metric(Metric.of("held_mib", "slow device held at the stop (loop + FUSE)", "MiB"));
        res.metric(Metric.of("predicted_s", "predicted wait: held / rate", "s"));
        res.metric(Metric.of("fast_s", "fast writer: time to fdatasync", "s"));
        res.metric(Metric.of("slow_util", "slow device throughput / rate while writing", "x"));
        slow = SlowNbdDevice.builder(ctx.work.resolve("sync-slow")).name("slow").sizeBytes(2L << 30)
                .rateBytesPerSec(slowRate).build();
        fast = FastDevice.builder(ctx.work.resolve("sync-fast")).sizeBytes(fastBytes + (512L << 20))
                .throttleBytesPerSec(throttle ? fastRate : 0).build();
    }

    @Override
    protected RunResult runOne(Configuration c) throws Exception {
        Recorder rec = recorder(c);
        Recorder.WriterSlot ss = rec.writer("slow_writer");
        Recorder.WriterSlot fs = rec.writer("fast_writer");
        Recording recording = rec.start();
        RunResult r = new RunResult(c, recording);
        Writer sw = null;
        try {
            sw = Writer.startUnbounded(slow.mountPoint().resolve("steady.dat"), Writer.Sync.NONE);
            ss.set(sw);
            double t0 = rec.event("writers start");
            Writer fw = Writer.start(fast.mountPoint().resolve("fast.dat"), fastBytes, Writer.Sync.FDATASYNC);
            fs.set(fw);
            double cutoff = ctx.cutoff(300.0);
            if (!awaitOrLift(fw, "fast writer", fastBytes, cutoff, rec, List.of(slow))) {
                r.note("the fast writer was not done after the " + (long) cutoff + " s cut-off; the slow backend was "
                        + "then let run free so it could finish (the sync below then had less to do)");
            }
            stop(sw);
            double tStop = rec.event("writers stopped");
            double[] t = recording.time();
            double slowTput = Metrics.throughput(t, recording.column("slow." + Recording.BACKEND_WRITTEN), t0 + 1,
                    beforeCutOff(recording, tStop)); // after a cut-off the slow backend ran free
            var st = wbgov.bench.rig.BdiStats.read(slow.loopBdi());
            var fu = wbgov.bench.rig.BdiStats.read(slow.fuseBdi());
            double held = st.heldBytes() + fu.heldBytes();
            r.put("fast_s", fw.syncSeconds());
            if (r.notes().stream().anyMatch(n -> n.contains("cut-off"))) {
                r.putAtLeast("fast_s", cutoff);
            }
            r.put("held_mib", held / (1 << 20)).put("predicted_s", held / slowRate)
                    .put("slow_util", slowTput / slowRate);
            // sync -f, in its own process, with a time-out after which the backend is let run free.
            long s0 = System.nanoTime();
            Process p = new ProcessBuilder("sync", "-f", slow.mountPoint().toString()).redirectErrorStream(true).start();
            boolean done = ctx.progress.await("sync -f of the slow file system", () -> !p.isAlive(),
                    () -> String.format(java.util.Locale.ROOT, "%.0f MiB still held", heldMib()), (long) (syncTimeoutS * 1e9));
            if (!done) {
                rec.event("sync time-out: rate lifted");
                slow.setRate(0);
                p.waitFor(600, TimeUnit.SECONDS);
                slow.setRate(slowRate);
                r.putAtLeast("sync_s", syncTimeoutS);
                r.note("sync -f did not finish within the " + (long) syncTimeoutS + " s time-out; the backend rate was "
                        + "then lifted so the run could end");
            } else {
                r.put("sync_s", (System.nanoTime() - s0) / 1e9);
            }
            rec.event("synced");
            long u0 = System.nanoTime();
            Sh.run(600, "umount", slow.mountPoint().toString());
            r.put("umount_s", (System.nanoTime() - u0) / 1e9);
            rec.event("unmounted");
            Sh.run("mount", "-t", "ext4", "-o", "noinit_itable", slow.loopDevice(), slow.mountPoint().toString());
            rec.stop();
            return r;
        } finally {
            stop(sw);
            rec.close();
            if (!Sh.isMounted(slow.mountPoint())) {
                Sh.run("mount", "-t", "ext4", "-o", "noinit_itable", slow.loopDevice(), slow.mountPoint().toString());
            }
        }
    }

    private double heldMib() {
        try {
            return (wbgov.bench.rig.BdiStats.read(slow.loopBdi()).heldBytes()
                    + wbgov.bench.rig.BdiStats.read(slow.fuseBdi()).heldBytes()) / (double) (1 << 20);
        } catch (IOException e) {
            return Double.NaN;
        }
    }
}
