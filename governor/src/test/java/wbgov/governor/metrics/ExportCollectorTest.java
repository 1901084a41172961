package wbgov.governor.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;
import wbgov.nbd.Export;
import wbgov.nbd.backend.FileBackend;
import wbgov.nbd.stats.ExportStats;

/** The server's metrics: each is the export's own counter or limit; latency buckets are exact. */
class ExportCollectorTest {
    @Test
    void countersLimitsAndLatencyBucketsOfAnExport() throws Exception {
        try (Export export = Export.builder(FileBackend.memory(1L << 20)).name("disk 1").maxRequestBytes(1 << 20)
                .inflightRequests(32).inflightBytes(8L << 20).build()) {
            ExportStats st = export.stats();
            st.requestsCompleted.addAndGet(7);
            st.readsCompleted.addAndGet(2);
            st.writesCompleted.addAndGet(3);
            st.flushes.addAndGet(1);
            st.errors.addAndGet(1);
            st.bytesRead.addAndGet(8192);
            st.bytesWritten.addAndGet(12288);
            st.connectionsOpened.addAndGet(4);
            st.connectionsClosedOnProtocolError.addAndGet(1);
            st.latency.record(3); // a bucket [3, 4) µs
            st.latency.record(1000); // [960, 1024) µs: at or under 2^10 µs, above 2^9
            st.latency.record(5_000_000); // 5 s
            st.latency.record(200_000_000); // 200 s: over the last bound, 2^26 µs
            st.recordAge(1500); // [1472, 1536) µs: at or under 2^11 µs
            st.recordAge(3_000_000); // 3 s
            st.fenceWaits.addAndGet(2);
            export.inflightLimit().setLimitRequests(16);

            Exposition e = Exposition.of(new ExportCollector(() -> List.of(export)).collect());
            String[] l = {"export", "disk 1"};
            assertEquals(0.0, e.value("wbgov_nbd_inflight_requests", l));
            assertEquals(0.0, e.value("wbgov_nbd_inflight_bytes", l));
            assertEquals(16.0, e.value("wbgov_nbd_inflight_limit_requests", l));
            assertEquals(8.0 * (1 << 20), e.value("wbgov_nbd_inflight_limit_bytes", l));
            assertEquals(7.0, e.value("wbgov_nbd_requests_total", l));
            assertEquals(2.0, e.value("wbgov_nbd_requests_by_type_total", "export", "disk 1", "type", "read"));
            assertEquals(3.0, e.value("wbgov_nbd_requests_by_type_total", "export", "disk 1", "type", "write"));
            assertEquals(1.0, e.value("wbgov_nbd_requests_by_type_total", "export", "disk 1", "type", "flush"));
            assertEquals(1.0, e.value("wbgov_nbd_request_errors_total", l));
            assertEquals(8192.0, e.value("wbgov_nbd_read_bytes_total", l));
            assertEquals(12288.0, e.value("wbgov_nbd_written_bytes_total", l));
            assertEquals(4.0, e.value("wbgov_nbd_connections_opened_total", l));
            assertEquals(1.0, e.value("wbgov_nbd_connections_protocol_errors_total", l));

            String b = "wbgov_nbd_request_latency_seconds_bucket";
            assertEquals(0.0, e.value(b, "export", "disk 1", "le", "2.0E-6"));
            assertEquals(1.0, e.value(b, "export", "disk 1", "le", "4.0E-6"));
            assertEquals(1.0, e.value(b, "export", "disk 1", "le", "5.12E-4"));
            assertEquals(2.0, e.value(b, "export", "disk 1", "le", "0.001024"));
            assertEquals(2.0, e.value(b, "export", "disk 1", "le", "4.194304"));
            assertEquals(3.0, e.value(b, "export", "disk 1", "le", "8.388608"));
            assertEquals(3.0, e.value(b, "export", "disk 1", "le", "67.108864"));
            assertEquals(4.0, e.value(b, "export", "disk 1", "le", "+Inf"));
            assertEquals(4.0, e.value("wbgov_nbd_request_latency_seconds_count", l));
            assertNull(e.value("wbgov_nbd_request_latency_seconds_sum", l), "the server keeps no sum: none is made up");
            String a = "wbgov_nbd_request_age_seconds_bucket";
            assertEquals(0.0, e.value(a, "export", "disk 1", "le", "0.001024"));
            assertEquals(1.0, e.value(a, "export", "disk 1", "le", "0.002048"));
            assertEquals(1.0, e.value(a, "export", "disk 1", "le", "2.097152"));
            assertEquals(2.0, e.value(a, "export", "disk 1", "le", "4.194304"));
            assertEquals(2.0, e.value("wbgov_nbd_request_age_seconds_count", l));
            assertEquals(3.0, e.value("wbgov_nbd_request_age_max_seconds", l));
            assertEquals(2.0, e.value("wbgov_nbd_fence_waits_total", l));
            assertNull(e.value("wbgov_nbd_client_timeout_seconds", l), "not told: no sample");
            assertEquals(ExportCollector.LATENCY_MAX_POWER + 2,
                    e.samples.stream().filter(s -> s.name().equals(b)).count(), "2^0 … 2^26 µs and +Inf");
        }
    }

    @Test
    void noExportsNoSeries() {
        assertFalse(Exposition.of(new ExportCollector(List::of).collect()).text.contains("wbgov_nbd"));
    }
}
