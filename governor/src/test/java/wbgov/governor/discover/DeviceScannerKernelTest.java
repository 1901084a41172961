package wbgov.governor.discover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import wbgov.governor.KernelTestSupport;
import wbgov.governor.KernelTestSupport.Loop;
import wbgov.governor.KernelTestSupport.NbdFuse;

/** Discovery against the real kernel: a loop device on tmpfs, and a loop over an nbdfuse file. */
class DeviceScannerKernelTest {

    @Test
    void findsLoopDeviceOnTmpfsWithBackingFile() throws Exception {
        KernelTestSupport.requireRoot();
        Path img = Files.createTempFile(Path.of("/dev/shm"), "wbgov-scan", ".img");
        try (Loop loop = Loop.attach(img)) {
            DeviceWatcher w = new DeviceWatcher(DeviceScanner.system());
            DeviceTable.Change first = w.poll();
            assertTrue(first.added().contains(loop.bdi));
            DeviceInfo d = first.table().byBdi(loop.bdi);
            assertNotNull(d, "loop bdi " + loop.bdi + " missing in\n" + first.table());
            assertEquals(DeviceKind.LOOP, d.kind());
            assertEquals("loop", d.transport());
            assertEquals(loop.name, d.blockDevice());
            assertEquals(img.toString(), d.backing());
            assertEquals(List.of(), d.chain(), "tmpfs has no bdi of its own");
            // the root device is found as a disk with "/" among its mount points
            boolean rootFound = false;
            for (DeviceInfo x : first.table().devices()) {
                rootFound |= x.mountPoints().contains("/");
            }
            assertTrue(rootFound, "no device mounted at /:\n" + first.table());
        } finally {
            Files.deleteIfExists(img);
        }
    }

    @Test
    void loopOverFuseIsAChainAndFuseBdiComesAndGoes() throws Exception {
        KernelTestSupport.requireRoot();
        Path mnt = Files.createTempDirectory("wbgov-fuse");
        DeviceWatcher w = new DeviceWatcher(DeviceScanner.system());
        w.poll();
        String fuseBdi;
        try (NbdFuse fuse = NbdFuse.mount(mnt, "32M")) {
            fuseBdi = fuse.bdi();
            try (Loop loop = Loop.attach(fuse.file)) {
                DeviceTable.Change ch = w.poll();
                assertTrue(ch.added().contains(fuseBdi), "FUSE bdi not reported added: " + ch);
                DeviceInfo f = ch.table().byBdi(fuseBdi);
                assertEquals(DeviceKind.FUSE, f.kind());
                assertNull(f.blockDevice());
                assertEquals(List.of(mnt.toString()), f.mountPoints());
                DeviceInfo l = ch.table().byBdi(loop.bdi);
                assertEquals(fuse.file.toString(), l.backing());
                assertEquals(List.of(fuseBdi), l.chain());
            }
        } finally {
            Files.deleteIfExists(mnt);
        }
        DeviceTable.Change after = w.poll();
        assertTrue(after.removed().contains(fuseBdi), "FUSE bdi not reported removed: " + after);
    }
}
