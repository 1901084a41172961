package wbgov.governor.discover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parsing tests on a fake sysfs/proc tree: classification, mounts, chains. */
class DeviceScannerTest {
    @TempDir
    Path root;

    private Path sys;
    private Path proc;

    private void blockDevice(String name, String devT, String devicesPath, String removable, String rot,
            String vendor, String model) throws IOException {
        Path real = sys.resolve("devices").resolve(devicesPath).resolve("block").resolve(name);
        Files.createDirectories(real.resolve("queue"));
        Files.writeString(real.resolve("dev"), devT + "\n");
        Files.writeString(real.resolve("removable"), removable + "\n");
        Files.writeString(real.resolve("queue/rotational"), rot + "\n");
        if (vendor != null) {
            Files.createDirectories(real.resolve("device"));
            Files.writeString(real.resolve("device/vendor"), vendor + "  \n");
            Files.writeString(real.resolve("device/model"), model + "  \n");
        }
        Files.createDirectories(sys.resolve("devices/virtual/bdi").resolve(devT));
        Files.createSymbolicLink(real.resolve("bdi"), sys.resolve("devices/virtual/bdi").resolve(devT));
        Files.createSymbolicLink(sys.resolve("block").resolve(name), real);
        Files.createDirectories(sys.resolve("class/bdi").resolve(devT));
    }

    private DeviceTable scan(String mountinfo) throws IOException {
        Files.createDirectories(proc.resolve("self"));
        Files.writeString(proc.resolve("self/mountinfo"), mountinfo);
        return new DeviceScanner(sys, proc, null).scan();
    }

    @Test
    void classifiesBlockDevicesAnonymousBdisAndChains() throws IOException {
        sys = root.resolve("sys");
        proc = root.resolve("proc");
        Files.createDirectories(sys.resolve("block"));
        blockDevice("sda", "8:0", "pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0",
                "1", "0", "SanDisk", "Ultra");
        blockDevice("sdb", "8:16", "pci0000:00/0000:00:17.0/ata3/host2/target2:0:0/2:0:0:0", "0", "1", "ATA",
                "WDC WD40");
        blockDevice("nvme0n1", "259:0", "pci0000:00/0000:00:1d.0/0000:3d:00.0/nvme/nvme0", "0", "0", null, null);
        blockDevice("vda", "254:0", "pci0000:00/0000:00:02.0/virtio1", "0", "1", "0x1af4", "");
        blockDevice("loop0", "7:0", "virtual", "0", "0", null, null);
        blockDevice("loop1", "7:1", "virtual", "0", "0", null, null);
        blockDevice("zram0", "252:0", "virtual", "0", "0", null, null);
        Path sda1 = sys.resolve("block/sda/sda1");
        Files.createDirectories(sda1);
        Files.writeString(sda1.resolve("dev"), "8:1\n");
        Files.writeString(sda1.resolve("partition"), "1\n");
        Path loop0 = sys.resolve("block/loop0/loop");
        Files.createDirectories(loop0);
        Files.writeString(loop0.resolve("backing_file"), "/mnt/my fuse/nbd\n");
        Path loop1 = sys.resolve("block/loop1/loop");
        Files.createDirectories(loop1);
        Files.writeString(loop1.resolve("backing_file"), "/mnt/ext/disk.img\n");
        for (String anon : List.of("0:52", "0:60", "0:61")) {
            Files.createDirectories(sys.resolve("class/bdi").resolve(anon));
        }
        DeviceTable t = scan(String.join("\n",
                "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw",
                "30 27 0:27 / /dev/shm rw,relatime - tmpfs tmpfs rw",
                "43 27 0:52 / /mnt/my\\040fuse rw,nosuid - fuse /dev/fuse rw,user_id=0",
                "44 27 7:0 / /mnt/ext rw shared:5 - ext4 /dev/loop0 rw",
                "45 27 0:60 / /srv/nfs rw - nfs4 server:/export rw",
                "46 27 0:61 / /srv/sshfs rw - fuse.sshfs me@host: rw",
                "47 27 8:1 / /media/stick rw - vfat /dev/sda1 rw",
                ""));

        assertEquals(10, t.size());
        DeviceInfo sda = t.byBdi("8:0");
        assertEquals(DeviceKind.DISK, sda.kind());
        assertEquals("usb", sda.transport());
        assertTrue(sda.removable());
        assertEquals("SanDisk", sda.vendor());
        assertEquals("Ultra", sda.model());
        assertEquals(List.of("/media/stick"), sda.mountPoints(), "partition mounts belong to the disk's bdi");
        assertEquals("vfat", sda.fsType());

        DeviceInfo sdb = t.byBdi("8:16");
        assertEquals("sata", sdb.transport());
        assertTrue(sdb.rotational());
        assertFalse(sdb.removable());

        assertEquals(DeviceKind.NVME, t.byBdi("259:0").kind());
        assertEquals("virtio", t.byBdi("254:0").transport());
        assertEquals(List.of("/"), t.byBdi("254:0").mountPoints());
        assertEquals("ext4", t.byBdi("254:0").fsType());
        assertEquals(DeviceKind.OTHER, t.byBdi("252:0").kind());

        DeviceInfo fuse = t.byBdi("0:52");
        assertEquals(DeviceKind.FUSE, fuse.kind());
        assertNull(fuse.blockDevice());
        assertEquals(List.of("/mnt/my fuse"), fuse.mountPoints());
        assertEquals(DeviceKind.FUSE, t.byBdi("0:61").kind());
        assertEquals("fuse.sshfs", t.byBdi("0:61").fsType());
        assertEquals(DeviceKind.NETWORK_FS, t.byBdi("0:60").kind());
        assertEquals("nfs", t.byBdi("0:60").transport());

        DeviceInfo l0 = t.byBdi("7:0");
        assertEquals(DeviceKind.LOOP, l0.kind());
        assertEquals("/mnt/my fuse/nbd", l0.backing());
        assertEquals(List.of("0:52"), l0.chain());
        // loop1 backs on ext4 on loop0, which backs on FUSE: the whole chain, nearest first
        DeviceInfo l1 = t.byBdi("7:1");
        assertEquals(List.of("7:0", "0:52"), l1.chain());
        assertEquals(List.of("/mnt/ext"), l0.mountPoints());
    }

    @Test
    void diffReportsAddedRemovedChanged() {
        DeviceInfo a = new DeviceInfo("7:0", "loop0", DeviceKind.LOOP, "loop", false, false, "", "", "", List.of(),
                "/a", List.of());
        DeviceInfo a2 = new DeviceInfo("7:0", "loop0", DeviceKind.LOOP, "loop", false, false, "", "", "", List.of(),
                "/b", List.of());
        DeviceInfo b = new DeviceInfo("0:40", null, DeviceKind.FUSE, "fuse", false, false, "", "", "fuse",
                List.of("/m"), "", List.of());
        DeviceInfo c = new DeviceInfo("8:0", "sda", DeviceKind.DISK, "sata", false, true, "", "", "", List.of(), "",
                List.of());
        DeviceTable before = new DeviceTable(List.of(a, b));
        DeviceTable.Change ch = new DeviceTable(List.of(a2, c)).diff(before);
        assertEquals(List.of("8:0"), ch.added());
        assertEquals(List.of("0:40"), ch.removed());
        assertEquals(List.of("7:0"), ch.changed());
        assertFalse(before.diff(before).any());
    }

    @Test
    void mountinfoLongestPrefix() {
        MountTable m = MountTable.parse(String.join("\n",
                "1 0 254:0 / / rw - ext4 /dev/vda rw",
                "2 1 0:40 / /mnt rw - tmpfs t rw",
                "3 2 0:41 / /mnt/a rw - fuse f rw",
                "4 2 0:42 / /mnt/ab rw - fuse f rw"), "test");
        assertEquals("0:41", m.containing("/mnt/a/file").majMin());
        assertEquals("0:42", m.containing("/mnt/ab/file").majMin());
        assertEquals("0:40", m.containing("/mnt/abc").majMin());
        assertEquals("254:0", m.containing("/etc/x").majMin());
    }
}
