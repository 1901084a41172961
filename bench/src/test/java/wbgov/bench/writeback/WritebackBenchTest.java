package wbgov.bench.writeback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class WritebackBenchTest {
    private static final Path HOME = Path.of("/repo");

    @Test
    void defaultsAreEveryScenarioEveryConfigurationFullSize() {
        WritebackBench.Options o = WritebackBench.parse(new String[0], HOME);
        assertEquals(List.of("contention", "speed-change", "burst", "two-slow", "sync-wait", "drain", "overhead"), o.scenarios());
        assertEquals(List.of(Configuration.values()), o.configurations());
        assertEquals(false, o.quick());
        assertEquals(400_000_000L, o.budgetBytes());
        assertTrue(o.out().startsWith(HOME.resolve("bench/results")), o.out().toString());
    }

    @Test
    void scenariosQuickOutConfigsBudget() {
        WritebackBench.Options o = WritebackBench.parse(new String[] {"burst", "--quick", "--out", "/tmp/x", "contention",
            "--configs", "defaults,wbgov", "--budget", "256M"}, HOME);
        assertEquals(List.of("burst", "contention"), o.scenarios());
        assertTrue(o.quick());
        assertEquals(Path.of("/tmp/x"), o.out());
        assertEquals(List.of(Configuration.DEFAULTS, Configuration.WBGOV), o.configurations());
        assertEquals(256L << 20, o.budgetBytes());
    }

    @Test
    void unknownScenarioOrOptionIsRefusedNamingTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WritebackBench.parse(new String[] {"contension"}, HOME));
        assertTrue(e.getMessage().contains("contention, speed-change"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> WritebackBench.parse(new String[] {"--fast"}, HOME));
        assertThrows(IllegalArgumentException.class, () -> WritebackBench.parse(new String[] {"--out"}, HOME));
        assertThrows(IllegalArgumentException.class, () -> WritebackBench.parse(new String[] {"--configs", "tuned"}, HOME));
    }
}
