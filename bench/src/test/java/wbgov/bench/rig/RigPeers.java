package wbgov.bench.rig;

import java.nio.file.Files;
import java.nio.file.Path;
import wbgov.nbd.testing.Peers;

/** What a test that builds the device rigs needs (skipped without it, failed under CI=true): see {@link Peers}. */
public final class RigPeers {
    private RigPeers() {
    }

    /** Root, nbdfuse, fusermount3, losetup, mkfs.ext4, /dev/fuse and debugfs's bdi directory. */
    public static void require() {
        Peers.requireRoot();
        Peers.requireTool("nbdfuse", "libnbd-bin");
        Peers.requireTool("fusermount3", "fuse3");
        Peers.requireTool("losetup", "mount");
        Peers.requireTool("mkfs.ext4", "e2fsprogs");
        Peers.require(Files.exists(Path.of("/dev/fuse")), "/dev/fuse is missing (no FUSE)");
        Peers.require(BdiStats.available(), "debugfs /sys/kernel/debug/bdi is not mounted: dirty bytes per bdi unreadable");
    }
}
