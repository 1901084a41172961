package wbgov.bench.e2e;

import java.nio.file.Path;
import java.util.List;
import wbgov.bench.rig.BlkThrottle;
import wbgov.bench.rig.FastDevice;
import wbgov.bench.rig.GovernorProcess;
import wbgov.bench.rig.KernelSnapshot;
import wbgov.bench.rig.SlowNbdDevice;
import wbgov.bench.rig.StaticCap;
import wbgov.bench.rig.Writer;

/**
 * A benchmark interrupted: builds every rig, changes every kind of state they manage, starts
 * writers and the daemon, prints "READY …" and waits to be killed with SIGINT (Ctrl-C) or
 * SIGTERM. Nothing is closed here: the {@code Teardown} shutdown hook must do it all.
 */
public final class TeardownChild {
    private TeardownChild() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        SlowNbdDevice slow = SlowNbdDevice.builder(root.resolve("slow")).rateBytesPerSec(1L << 20).build();
        FastDevice fast = FastDevice.builder(root.resolve("fast")).sizeBytes(256L << 20)
                .throttleBytesPerSec(BlkThrottle.available() ? 100L << 20 : 0).build();
        KernelSnapshot snap = KernelSnapshot.take();
        snap.setDirtyBytes(400_000_000L);
        StaticCap.apply(snap, List.of(fast.bdi()));
        Writer.startUnbounded(slow.mountPoint().resolve("steady"), Writer.Sync.FDATASYNC);
        Writer.startUnbounded(fast.mountPoint().resolve("fast"), Writer.Sync.NONE);
        Path policies = ConfinedPolicies.write(GovernorProcess.defaultHome().resolve("policies"),
                root.resolve("policies"), root);
        GovernorProcess gov = GovernorProcess.builder(root.resolve("state")).policies(policies).start();
        Thread.sleep(1000);
        System.out.println("READY slow=" + slow.loopDevice() + " slowBdi=" + slow.loopBdi() + " fuseBdi=" + slow.fuseBdi()
                + " nbdfuse=" + slow.nbdfusePid() + " fast=" + fast.loopDevice() + " fastBdi=" + fast.bdi()
                + " governor=" + gov.pid());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
