package wbgov.nbd.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backend closed twice (a server closes its exports, and their owner closes them again) must
 * not close its raw fd twice: by the second close the number may belong to a file, pipe or
 * socket the JVM opened since — the bench once failed to spawn losetup with EBADF that way.
 */
class FileBackendCloseTest {
    @TempDir
    Path tmp;

    @Test
    void aSecondCloseLeavesTheFdNumberItsNewOwner() throws Exception {
        for (int i = 0; i < 20; i++) {
            FileBackend b = FileBackend.memory(1 << 20);
            b.close();
            // The lowest free numbers are reused at once: this channel very likely gets the
            // number the backend's raw fd had.
            try (FileChannel ch = FileChannel.open(tmp.resolve("f" + i), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, StandardOpenOption.READ)) {
                b.close();
                assertEquals(4, ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3, 4}), 0), "the new file still open");
                assertEquals(4, ch.size());
            }
        }
    }
}
