package wbgov.governor.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wbgov.governor.discover.DeviceInfo;
import wbgov.governor.discover.DeviceKind;

/** Keys from a fake sysfs, procfs and udev database (parsing only; the guest and bench use the real ones). */
class DeviceIdentityTest {
    @TempDir
    Path tmp;

    private static DeviceInfo dev(String bdi, String name, DeviceKind kind, String fsType, List<String> mounts,
            String backing) {
        return new DeviceInfo(bdi, name, kind, "", false, false, "", "", fsType, mounts, backing, List.of());
    }

    private Path write(String rel, String text) throws Exception {
        Path p = tmp.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
        return p;
    }

    private String key(DeviceInfo d) {
        return DeviceIdentity.key(d, tmp.resolve("sys"), tmp.resolve("proc"), tmp.resolve("run/udev/data"));
    }

    @Test
    void loopByBackingFileAndNothingWhenUnattached() {
        assertEquals("loop:/srv/disk.img", key(dev("7:0", "loop0", DeviceKind.LOOP, "", List.of(), "/srv/disk.img")));
        assertNull(key(dev("7:1", "loop1", DeviceKind.LOOP, "", List.of(), "")));
    }

    @Test
    void diskByWwidThenUdevSerialElseNothing() throws Exception {
        write("sys/block/sda/device/wwid", "naa.5000c500a1b2c3d4\n");
        assertEquals("wwid:naa.5000c500a1b2c3d4", key(dev("8:0", "sda", DeviceKind.DISK, "", List.of(), "")));
        write("sys/block/sdb/dev", "8:16\n");
        write("run/udev/data/b8:16", "S:disk/by-id/usb-x\nE:ID_WWN=0x5000\nE:ID_SERIAL=SanDisk_Ultra_4C53\n");
        assertEquals("serial:SanDisk_Ultra_4C53", key(dev("8:16", "sdb", DeviceKind.DISK, "", List.of(), "")));
        assertNull(key(dev("8:32", "sdc", DeviceKind.DISK, "", List.of(), "")));
        write("sys/block/vdb/serial", "qemu-disk-7\n"); // virtio-blk, no udev record
        assertEquals("serial:qemu-disk-7", key(dev("254:16", "vdb", DeviceKind.DISK, "", List.of(), "")));
    }

    @Test
    void nbdByBackendThenByItsClientsArguments() throws Exception {
        write("sys/block/nbd0/backend", "nbd://srv:10809/exp\n");
        assertEquals("nbd:nbd://srv:10809/exp", key(dev("43:0", "nbd0", DeviceKind.NBD, "", List.of(), "")));
        write("sys/block/nbd1/pid", "4242\n");
        write("proc/4242/cmdline", String.join("\0", "/usr/sbin/nbd-client", "srv", "10809", "/dev/nbd1", "-N", "exp", ""));
        assertEquals("nbd:srv 10809 -N exp", key(dev("43:32", "nbd1", DeviceKind.NBD, "", List.of(), "")));
        write("sys/block/nbd2/pid", "4243\n"); // the client exited
        assertNull(key(dev("43:64", "nbd2", DeviceKind.NBD, "", List.of(), "")));
    }

    @Test
    void fileSystemsByTypeAndMountPoint() {
        assertEquals("fs:fuse.sshfs:/mnt/remote",
                key(dev("0:52", null, DeviceKind.FUSE, "fuse.sshfs", List.of("/mnt/remote", "/other"), "")));
        assertNull(key(dev("0:53", null, DeviceKind.NETWORK_FS, "nfs4", List.of(), "")));
    }
}
