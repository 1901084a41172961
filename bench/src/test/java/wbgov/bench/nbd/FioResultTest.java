package wbgov.bench.nbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FioResultTest {
    /** fio 3.33's JSON of a 4k random read at depth 32 on our server (bench/results/2026-11-25-vm). */
    static String sample() throws IOException {
        try (InputStream in = FioResultTest.class.getResourceAsStream("fio-randread-4k-d32.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void theFirstJobsReadOrWriteSectionIsTaken() throws IOException {
        assertEquals(new FioResult(108995.60044, 446459085, Double.NaN), FioResult.parse(sample(), true));
        assertEquals(new FioResult(0, 0, Double.NaN), FioResult.parse(sample(), false));
    }

    @Test
    void fioDiagnosticsBeforeTheDocumentDoNotMatter() throws IOException {
        String noisy = "fio: pid=4896, err=5/file:ioengines.c:351, func=td_io_queue, error=Input/output error\n" + sample();
        assertEquals(108995.60044, FioResult.parse(noisy, true).iops());
    }

    @Test
    void aMissingJobSectionOrFigureIsAnError() {
        assertEquals("no jobs in fio's JSON",
                assertThrows(IllegalArgumentException.class, () -> FioResult.parse("{\"jobs\" : []}", true)).getMessage());
        assertEquals("no write section in fio's JSON", assertThrows(IllegalArgumentException.class,
                () -> FioResult.parse("{\"jobs\" : [{\"read\" : {}}]}", false)).getMessage());
        assertEquals("fio JSON has no bw_bytes", assertThrows(IllegalArgumentException.class,
                () -> FioResult.parse("{\"jobs\" : [{\"read\" : {\"iops\" : 1}}]}", true)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FioResult.parse("fio: error\n", true))
                .getMessage().startsWith("no JSON object"));
    }

    @Test
    void roundsKeepTheBestIopsAndTheWorstAllocation() {
        FioResult slowLean = new FioResult(100, 1e6, 0.5);
        FioResult fastFat = new FioResult(200, 2e6, 3.0);
        assertEquals(slowLean, FioResult.keep(null, slowLean));
        assertEquals(new FioResult(200, 2e6, 3.0), FioResult.keep(slowLean, fastFat));
        assertEquals(new FioResult(200, 2e6, 3.0), FioResult.keep(fastFat, slowLean));
        assertEquals(new FioResult(200, 2e6, 0.5), FioResult.keep(slowLean, new FioResult(200, 2e6, Double.NaN)));
        assertEquals(new FioResult(100, 1e6, Double.NaN),
                FioResult.keep(new FioResult(100, 1e6, Double.NaN), new FioResult(50, 5e5, Double.NaN)));
        // A tie keeps the earlier round.
        assertEquals(new FioResult(100, 1e6, 0.5), FioResult.keep(slowLean, new FioResult(100, 9e6, 0.1)));
    }
}
