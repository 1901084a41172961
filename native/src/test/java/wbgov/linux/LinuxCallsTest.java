package wbgov.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;

/** Against the real kernel: memfd, hole punching, SEEK_DATA/SEEK_HOLE. */
class LinuxCallsTest {
    @Test
    void memfdHolesAndData() throws Exception {
        int fd = LinuxCalls.memfdCreate("wbgov-test");
        try (FileChannel ch = FileChannel.open(Path.of("/proc/self/fd/" + fd),
                StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.truncate(1 << 24);
            // Everything is a hole before the first write: SEEK_DATA finds nothing (ENXIO).
            assertEquals(-Errno.ENXIO, LinuxCalls.seekData(fd, 0));
            ByteBuffer b = ByteBuffer.allocateDirect(1 << 20);
            while (b.hasRemaining()) {
                b.put((byte) 7);
            }
            b.flip();
            ch.write(b, 4 << 20);
            assertEquals(4 << 20, LinuxCalls.seekData(fd, 0));
            assertEquals(5 << 20, LinuxCalls.seekHole(fd, 4 << 20));
            assertEquals(0, LinuxCalls.punchHole(fd, 4 << 20, 1 << 20));
            assertEquals(-Errno.ENXIO, LinuxCalls.seekData(fd, 0));
            ByteBuffer r = ByteBuffer.allocate(16);
            ch.read(r, 4 << 20);
            for (int i = 0; i < 16; i++) {
                assertEquals(0, r.get(i));
            }
        } finally {
            LinuxCalls.close(fd);
        }
    }

    @Test
    void ioFlusherEitherSetsOrSaysEperm() {
        // Without CAP_SYS_RESOURCE the kernel answers EPERM; with it the flag must read back set.
        try {
            LinuxCalls.setIoFlusher();
            assertTrue(LinuxCalls.isIoFlusher());
        } catch (LinuxException e) {
            assertEquals(Errno.EPERM, e.errno(), e.getMessage());
            assertTrue(e.getMessage().contains("PR_SET_IO_FLUSHER"));
        }
    }

    @Test
    void lockedBytesReadsProcStatus() {
        assertTrue(LinuxCalls.lockedBytes() >= 0);
        assertTrue(LinuxCalls.residentBytes() > 0);
    }
}
