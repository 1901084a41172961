package wbgov.linux;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ExecutablesTest {
    @Test
    void findsAShellAndNotWhatIsAbsent() {
        Path sh = Executables.which("sh");
        assertTrue(sh != null && sh.isAbsolute() && Files.isExecutable(sh), "sh: " + sh);
        assertNull(Executables.which("wbgov-no-such-tool-" + ProcessHandle.current().pid()));
    }

    @Test
    void aDirectoryIsNotAnExecutable() {
        // /usr/bin/X11 style: a directory is "executable" (searchable) but never a tool.
        assertNull(Executables.which("."));
    }
}
