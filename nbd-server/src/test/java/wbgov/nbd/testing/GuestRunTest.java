package wbgov.nbd.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;

/** {@link GuestRun} against a stand-in for vm/run-guest.sh: its command line, and how it judges the console. */
class GuestRunTest {
    @TempDir
    Path tmp;
    Path runGuest;
    Path run;

    /** Writes its arguments to RUNDIR/args, the script (here: the console text) to RUNDIR/console.log; exits with its "EXIT n" line. */
    @BeforeEach
    void fakeRunGuest() throws Exception {
        runGuest = tmp.resolve("run-guest.sh");
        Files.writeString(runGuest, """
                #!/bin/bash
                args=("$@")
                for ((i = 0; i < $#; i++)); do [ "${args[i]}" = -w ] && run=${args[i+1]}; done
                printf '%s\\n' "$@" > "$run/args"
                cp "${@: -1}" "$run/console.log"
                echo "host side"
                code=$(sed -n 's/^EXIT //p' "${@: -1}")
                exit "${code:-0}"
                """);
        Files.setPosixFilePermissions(runGuest, PosixFilePermissions.fromString("rwx------"));
        run = Files.createDirectories(tmp.resolve("run"));
    }

    private GuestRun boot(boolean systemd, String console) throws Exception {
        Path script = Files.writeString(tmp.resolve("console.txt"), console);
        return GuestRun.boot(runGuest, systemd, run, 600, List.of("A=1", "B=2"), script);
    }

    @Test
    void theCommandLineIsRunGuestsAndPassingChecksPass() throws Exception {
        GuestRun g = boot(true, "booting\nCHECK PASS nbd: attached /dev/nbd0\nCHECK PASS purge: unit gone\n");
        assertEquals(List.of("-s", "-q", "-m", "2048", "-t", "540", "-w", run.toString(), "-e", "A=1", "-e", "B=2",
                tmp.resolve("console.txt").toString()), Files.readAllLines(run.resolve("args")));
        g.assertChecks(List.of("attached /dev/nbd0", "unit gone"), 10);
        boot(false, "CHECK PASS x\n");
        assertEquals("-q", Files.readAllLines(run.resolve("args")).get(0));
    }

    @Test
    void aFailedCheckAMissingOneAnExitOrTheTimeLimitFail() throws Exception {
        String failed = assertThrows(AssertionFailedError.class,
                () -> boot(false, "CHECK PASS a\nCHECK FAIL b broke\n").assertChecks(List.of("a"), 10)).getMessage();
        assertTrue(failed.startsWith("1 failed guest checks: [b broke]\n--- host side:\nhost side\n"), failed);
        String missing = assertThrows(AssertionFailedError.class,
                () -> boot(false, "CHECK PASS a\n").assertChecks(List.of("a", "c"), 10)).getMessage();
        assertTrue(missing.startsWith("no passing check 'c'"), missing);
        String exit = assertThrows(AssertionFailedError.class,
                () -> boot(false, "CHECK PASS a\nEXIT 3\n").assertChecks(List.of("a"), 10)).getMessage();
        assertTrue(exit.startsWith("guest script exit status"), exit);
        String late = assertThrows(AssertionFailedError.class,
                () -> boot(false, "EXIT 124\n").assertChecks(List.of(), 10)).getMessage();
        assertTrue(late.startsWith("the guest did not finish in time"), late);
    }

    /** The stopgap: a failed run whose console shows a HotSpot crash boots once more; any other failure does not. */
    @Test
    void aJvmCrashInTheGuestBootsItOnceMoreAndNothingElseDoes() throws Exception {
        Path twice = tmp.resolve("run-guest-twice.sh");
        Files.writeString(twice, """
                #!/bin/bash
                args=("$@")
                for ((i = 0; i < $#; i++)); do [ "${args[i]}" = -w ] && run=${args[i+1]}; done
                n=$(cat "$run/boots" 2>/dev/null || echo 0); echo $((n + 1)) > "$run/boots"
                if [ "$n" = 0 ]; then sed -n '1p' "${@: -1}" > "$run/console.log"; else sed -n '2p' "${@: -1}" > "$run/console.log"; fi
                """);
        Files.setPosixFilePermissions(twice, PosixFilePermissions.fromString("rwx------"));
        Path crash = Files.writeString(tmp.resolve("crash.txt"),
                "CHECK FAIL nbd: active    nbd journal: # //hs_err_pid1166.log\nCHECK PASS nbd: active\n");
        GuestRun g = GuestRun.bootRetryingJvmCrash(twice, true, run, 600, List.of(), crash);
        assertEquals("2", Files.readString(run.resolve("boots")).trim());
        assertTrue(Files.readString(run.resolve("console-first.log")).contains("hs_err_pid1166"));
        g.assertChecks(List.of("nbd: active"), 10);

        Path other = Files.createDirectories(tmp.resolve("run2"));
        Path plain = Files.writeString(tmp.resolve("plain.txt"), "CHECK FAIL nbd: active\nCHECK PASS nbd: active\n");
        GuestRun once = GuestRun.bootRetryingJvmCrash(twice, true, other, 600, List.of(), plain);
        assertEquals("1", Files.readString(other.resolve("boots")).trim(), "a failure without a JVM crash is not retried");
        assertThrows(AssertionFailedError.class, () -> once.assertChecks(List.of("nbd: active"), 10));
    }
}
