package wbgov.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** sd_notify's wire side against a real bound datagram socket (the kernel's, no mock). */
class SystemdNotifierTest {
    @TempDir
    Path dir;

    @Test
    void sendsEachMessageAsOneDatagram() throws Exception {
        try (NotifyListener l = new NotifyListener(dir.resolve("notify"));
             SystemdNotifier n = SystemdNotifier.from(Map.of("NOTIFY_SOCKET", l.path().toString()), 1)) {
            assertTrue(n.enabled());
            assertTrue(n.ready("governing 3 devices"));
            assertTrue(n.watchdog());
            assertTrue(n.reloading());
            assertTrue(n.stopping());
            assertEquals("READY=1\nSTATUS=governing 3 devices", l.await("READY", 5, TimeUnit.SECONDS).text());
            assertEquals("WATCHDOG=1", l.await("WATCHDOG", 5, TimeUnit.SECONDS).text());
            assertTrue(l.await("RELOADING=1", 5, TimeUnit.SECONDS).text().startsWith("RELOADING=1\nMONOTONIC_USEC="));
            assertNotNull(l.await("STOPPING=1", 5, TimeUnit.SECONDS));
        }
    }

    @Test
    void statusIsOneLine() throws Exception {
        try (NotifyListener l = new NotifyListener(dir.resolve("notify"));
             SystemdNotifier n = SystemdNotifier.from(Map.of("NOTIFY_SOCKET", l.path().toString()), 1)) {
            n.status("a\nb");
            assertEquals("STATUS=a b", l.await("STATUS", 5, TimeUnit.SECONDS).text());
        }
    }

    @Test
    void withoutNotifySocketEverythingIsANoOp() {
        try (SystemdNotifier n = SystemdNotifier.from(Map.of(), 1)) {
            assertFalse(n.enabled());
            assertFalse(n.ready("x"));
            assertFalse(n.watchdog());
            assertEquals(0, n.watchdogPeriodNanos());
        }
    }

    @Test
    void aVanishedSupervisorIsAFalseReturnNotAnException() throws Exception {
        Path p = dir.resolve("gone");
        try (SystemdNotifier n = SystemdNotifier.from(Map.of("NOTIFY_SOCKET", p.toString()), 1)) {
            assertFalse(Files.exists(p));
            assertFalse(n.ready("x"));
        }
    }

    @Test
    void watchdogIntervalIsHalfOfWatchdogUsecAndOnlyForTheNamedPid() throws Exception {
        try (NotifyListener l = new NotifyListener(dir.resolve("notify"))) {
            Map<String, String> env = Map.of("NOTIFY_SOCKET", l.path().toString(), "WATCHDOG_USEC", "30000000",
                    "WATCHDOG_PID", "42");
            try (SystemdNotifier mine = SystemdNotifier.from(env, 42);
                 SystemdNotifier other = SystemdNotifier.from(env, 43)) {
                assertEquals(15_000_000_000L, mine.watchdogPeriodNanos());
                assertEquals(0, other.watchdogPeriodNanos());
            }
        }
        assertEquals(0, SystemdNotifier.watchdogNanos(Map.of("WATCHDOG_USEC", "junk"), 1));
        assertEquals(5_000_000L, SystemdNotifier.watchdogNanos(Map.of("WATCHDOG_USEC", "5000"), 1));
    }

    @Test
    void abstractAddressStartsWithNul() {
        byte[] a = SystemdNotifier.sockaddrUn("@sd".getBytes());
        assertEquals(1, a[0]);
        assertEquals(0, a[2]);
        assertEquals('s', a[3]);
    }
}
