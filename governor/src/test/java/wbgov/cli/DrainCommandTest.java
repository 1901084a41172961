package wbgov.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wbgov.governor.discover.DeviceInfo;
import wbgov.governor.discover.DeviceKind;
import wbgov.governor.discover.DeviceTable;

/** What {@code wbgov drain} names and prints; the hold itself is GovernorDrainTest, the real device DrainKernelTest. */
class DrainCommandTest {
    @TempDir
    Path tmp;

    @Test
    void resolvesABdiAKernelNameADevPathAndAMountPoint() throws Exception {
        Path mnt = Files.createDirectories(tmp.resolve("mnt"));
        DeviceTable t = new DeviceTable(List.of(
                new DeviceInfo("7:0", "loop0", DeviceKind.LOOP, "loop", false, false, "", "", "ext4",
                        List.of(mnt.toRealPath().toString()), "/img", List.of()),
                new DeviceInfo("0:40", null, DeviceKind.FUSE, "fuse", false, false, "", "", "fuse", List.of(), "", List.of())));
        assertEquals("7:0", DrainCommand.resolve(t, "7:0").bdi());
        assertEquals("7:0", DrainCommand.resolve(t, "loop0").bdi());
        assertEquals("7:0", DrainCommand.resolve(t, "/dev/loop0").bdi());
        assertEquals("7:0", DrainCommand.resolve(t, mnt.toString() + "/.").bdi(), "a mount point, normalised");
        assertEquals("0:40", DrainCommand.resolve(t, "0:40").bdi());
        assertNull(DrainCommand.resolve(t, "sdz"));
        assertNull(DrainCommand.resolve(t, tmp.toString()), "a directory that is not its mount point");
    }

    @Test
    void progressShowsBytesLeftRateAndEta() {
        assertEquals("[############------------] 4M left, 1M/s, ETA 4.0s",
                DrainCommand.progress(4L << 20, 8L << 20, 1 << 20, false));
        assertTrue(DrainCommand.progress(0, 8L << 20, 0, true).startsWith("[########################] 0 left"),
                DrainCommand.progress(0, 8L << 20, 0, true));
        assertTrue(DrainCommand.progress(-1, -1, 0, false).contains("without debugfs"));
    }
}
