package wbgov.bench.nbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;

class NbdOptionsTest {
    private static final Path HOME = Path.of("/repo");

    private static NbdOptions parse(String... args) {
        return NbdOptions.parse(args, HOME, "box").orElseThrow();
    }

    private static String refused(String... args) {
        return assertThrows(IllegalArgumentException.class, () -> NbdOptions.parse(args, HOME, "box")).getMessage();
    }

    @Test
    void defaultsAreTwoRoundsOfTenSecondsOnOneGibInResultsDateHost() {
        NbdOptions o = parse();
        assertEquals(new NbdOptions(false, 2, Path.of("/repo/bench/results/" + LocalDate.now() + "-box"), 1L << 30), o);
        assertEquals(10, o.runtimeSeconds());
        assertEquals(2, o.rampSeconds());
    }

    @Test
    void quickIsOneRoundOfThreeSecondsUnlessRoundsAreGiven() {
        NbdOptions q = parse("--quick");
        assertEquals(1, q.rounds());
        assertEquals(3, q.runtimeSeconds());
        assertEquals(1, q.rampSeconds());
        assertEquals(3, parse("--rounds", "3", "--quick").rounds());
    }

    @Test
    void outSizeAndRoundsAreTaken() {
        assertEquals(new NbdOptions(false, 4, Path.of("/tmp/x"), 256L << 20),
                parse("--out", "/tmp/x", "--size", "256M", "--rounds", "4"));
        assertEquals(1536, parse("--size", "1.5K").sizeBytes());
    }

    @Test
    void helpAnywhereBeforeAnErrorIsHelp() {
        assertTrue(NbdOptions.parse(new String[] {"--help"}, HOME, "box").isEmpty());
        assertTrue(NbdOptions.parse(new String[] {"--quick", "-h", "--bogus"}, HOME, "box").isEmpty());
        assertTrue(NbdOptions.USAGE.startsWith("usage: wbgov bench nbd [--quick] [--out DIR] [--size SIZE] [--rounds N]"));
    }

    @Test
    void unknownOptionsMissingValuesAndBadNumbersAreRefusedSayingWhy() {
        assertEquals("unknown option --fast (see --help)", refused("--fast"));
        assertEquals("unknown option randwrite (see --help)", refused("randwrite"));
        assertEquals("--out needs a value (see --help)", refused("--out"));
        assertEquals("--size needs a value (see --help)", refused("--quick", "--size"));
        assertTrue(refused("--size", "16X").startsWith("--size: expected a size like"), refused("--size", "16X"));
        assertEquals("--rounds: expected a whole number, got \"two\"", refused("--rounds", "two"));
        assertEquals("--rounds must be at least 1", refused("--rounds", "0"));
        assertEquals("--rounds must be at least 1", refused("--rounds", "-2"));
    }
}
