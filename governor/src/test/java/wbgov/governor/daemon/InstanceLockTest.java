package wbgov.governor.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lock itself; two processes contending for it are in RunNotifyTest. */
class InstanceLockTest {
    @TempDir
    Path dir;

    @Test
    void heldOnceWritesThePidAndIsFreeAgainAfterClose() throws Exception {
        try (InstanceLock l = InstanceLock.acquire(dir)) {
            assertEquals(ProcessHandle.current().pid() + "\n", Files.readString(dir.resolve(InstanceLock.FILE_NAME)));
            InstanceLock.HeldException e = assertThrows(InstanceLock.HeldException.class, () -> InstanceLock.acquire(dir));
            assertEquals(ProcessHandle.current().pid(), e.holderPid());
        }
        try (InstanceLock again = InstanceLock.acquire(dir)) {
            assertEquals(ProcessHandle.current().pid() + "\n", Files.readString(dir.resolve(InstanceLock.FILE_NAME)));
        }
    }

    @Test
    void aStalePidInTheFileDoesNotBlock() throws Exception {
        Files.writeString(dir.resolve(InstanceLock.FILE_NAME), "999999999\n");
        try (InstanceLock l = InstanceLock.acquire(dir)) {
            assertEquals(ProcessHandle.current().pid() + "\n", Files.readString(dir.resolve(InstanceLock.FILE_NAME)));
        }
    }
}
