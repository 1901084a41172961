package wbgov.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

class LogOutputTest {
    @TempDir
    Path dir;

    @AfterEach
    void reset() {
        LogOutput.redirect(System.err, false);
        LogOutput.setLevel("info");
    }

    @Test
    void journaldLinesCarryTheSyslogPriorityAndNoTime() {
        LocalDateTime t = LocalDateTime.of(2026, 11, 26, 14, 30, 1, 123_000_000);
        assertEquals("<3>Governor: x", LogOutput.format(Level.ERROR, "Governor", "x", true, t));
        assertEquals("<4>Governor: x", LogOutput.format(Level.WARN, "Governor", "x", true, t));
        assertEquals("<6>Governor: x", LogOutput.format(Level.INFO, "Governor", "x", true, t));
        assertEquals("<7>Governor: x", LogOutput.format(Level.DEBUG, "Governor", "x", true, t));
        assertEquals("<7>Governor: x", LogOutput.format(Level.TRACE, "Governor", "x", true, t));
    }

    @Test
    void terminalLinesCarryTheFullDateAndTime() {
        LocalDateTime t = LocalDateTime.of(2026, 11, 26, 14, 30, 1, 123_000_000);
        assertEquals("2026-11-26 14:30:01.123 WARN  Governor: x", LogOutput.format(Level.WARN, "Governor", "x", false, t));
        assertEquals("2026-11-26 14:30:01.123 ERROR Governor: x", LogOutput.format(Level.ERROR, "Governor", "x", false, t));
    }

    @Test
    void throughSlf4jWithThresholdAndStackTracePrefixed() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        LogOutput.redirect(new PrintStream(buf, true, StandardCharsets.UTF_8), true);
        LogOutput.setLevel("warning");
        Logger log = LoggerFactory.getLogger("wbgov.governor.daemon.Governor");
        log.info("not shown {}", 1);
        log.warn("shown {} of {}", 1, 2, new IllegalStateException("boom"));
        String[] lines = buf.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals("<4>Governor: shown 1 of 2", lines[0]);
        assertTrue(lines.length > 2, "a stack trace follows");
        for (String l : lines) {
            assertTrue(l.startsWith("<4>"), "every line of the trace is filed as a warning: " + l);
        }
        LogOutput.setLevel("debug");
        assertTrue(log.isDebugEnabled());
        assertFalse(log.isTraceEnabled());
    }

    @Test
    void aBadLevelNamesTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LogOutput.setLevel("loud"));
        assertTrue(e.getMessage().contains("error, warn, info, debug or trace"), e.getMessage());
    }

    @Test
    void journaldIsDetectedOnlyWhenStderrIsItsStream() throws Exception {
        Path f = Files.createFile(dir.resolve("stream"));
        long dev = ((Number) Files.getAttribute(f, "unix:dev")).longValue();
        long ino = ((Number) Files.getAttribute(f, "unix:ino")).longValue();
        assertTrue(LogOutput.underJournald(dev + ":" + ino, f));
        assertFalse(LogOutput.underJournald(dev + ":" + (ino + 1), f), "stderr was redirected: not journald's");
        assertFalse(LogOutput.underJournald(null, f));
        assertFalse(LogOutput.underJournald("", f));
    }
}
