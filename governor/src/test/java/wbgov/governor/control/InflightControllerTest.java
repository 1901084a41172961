package wbgov.governor.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static wbgov.governor.control.PlantModel.MIB;
import static wbgov.governor.control.PlantModel.MS;

import org.junit.jupiter.api.Test;
import wbgov.governor.policy.Policy;

class InflightControllerTest {
    private static InflightController controller() {
        return InflightController.builder().latencyTargetNs(20 * MS).maxRequestBytes(128 << 10)
                .maxInflightBytes(64 * MIB).maxRequests(1024).initial(4 * MIB, 64).rateTauNs(1_000 * MS).build();
    }

    @Test
    void initialThenLittlesLaw() {
        InflightController c = controller();
        assertEquals(4 * MIB, c.limitBytes());
        assertEquals(64, c.limitRequests());
        InflightDecision d = c.update(0, 0, 0, MIB, 8);
        assertFalse(d.changed);
        // 10 MiB and 80 requests in 100 ms: 100 MiB/s, 800 req/s; × 20 ms = 2 MiB, 16 requests
        d = c.update(100 * MS, 10 * MIB, 80, MIB, 8);
        assertTrue(d.changed);
        assertEquals(InflightDecision.Reason.LOWER, d.reason);
        assertEquals(2 * MIB, d.newBytes);
        assertEquals(16, d.newRequests);
        // 20 % faster is within the band for bytes (2.4 MiB ≥ 2 MiB × 1.2 is the edge: not above)
        d = c.update(200 * MS, 20 * MIB, 160, MIB, 8);
        assertFalse(d.changed);
    }

    /**
     * Clients that time out after 1 s under a 2 s latency target: the limit is taken with
     * min(L, C/2) = 500 ms, so what the server admitted drains in half the timeout.
     */
    @Test
    void theClientsTimeoutCapsTheLatencyAtHalfOfIt() {
        InflightController c = InflightController.builder().latencyTargetNs(2_000 * MS).clientTimeoutNs(1_000 * MS)
                .maxRequestBytes(128 << 10).maxInflightBytes(64 * MIB).maxRequests(1024).initial(4 * MIB, 64)
                .rateTauNs(1_000 * MS).build();
        assertEquals(500 * MS, c.effectiveLatencyNs());
        assertEquals(1_000 * MS, c.clientTimeoutNs());
        c.update(0, 0, 0, MIB, 8);
        // 1 MiB and 10 requests in 100 ms: 10 MiB/s, 100 req/s; × 0.5 s = 5 MiB, 50 requests (× 2 s: 20 MiB, 200)
        InflightDecision d = c.update(100 * MS, MIB, 10, MIB, 8);
        assertEquals(5 * MIB, d.newBytes);
        assertEquals(50, d.newRequests);
        // a timeout longer than twice L changes nothing
        InflightController loose = InflightController.builder().latencyTargetNs(20 * MS).clientTimeoutNs(30_000 * MS)
                .build();
        assertEquals(20 * MS, loose.effectiveLatencyNs());
    }

    @Test
    void neverBelowOneLargestRequest() {
        InflightController c = controller();
        c.update(0, 0, 0, 64 << 10, 1);
        // 64 KiB in 100 ms: 640 KiB/s × 20 ms = 12.8 KiB < one 128 KiB request
        InflightDecision d = c.update(100 * MS, 64 << 10, 1, 64 << 10, 1);
        assertEquals(128 << 10, d.newBytes);
        assertEquals(1, d.newRequests);
    }

    @Test
    void stallDropsToOneRequest() {
        InflightController c = controller();
        c.update(0, 0, 0, MIB, 8);
        c.update(100 * MS, 10 * MIB, 80, MIB, 8);
        InflightDecision d = null;
        for (int i = 2; i <= 21; i++) {
            d = c.update(i * 100 * MS, 10 * MIB, 80, MIB, 8);
        }
        assertEquals(InflightDecision.Reason.STALLED, d.reason);
        assertEquals(128 << 10, c.limitBytes());
        assertEquals(1, c.limitRequests());
    }

    @Test
    void capsAtMaximum() {
        InflightController c = controller();
        c.update(0, 0, 0, MIB, 8);
        InflightDecision d = c.update(100 * MS, 1_000 * MIB, 200_000, MIB, 8); // 10 GiB/s, 2 M req/s
        assertEquals(64 * MIB, d.newBytes);
        assertEquals(1024, d.newRequests);
    }

    @Test
    void fromPolicyAndRanges() {
        Policy p = Policy.builder("nbd").inflightLatencyNs(5 * MS).build();
        assertEquals(5 * MS, InflightController.builder(p).build().latencyTargetNs());
        assertThrows(IllegalArgumentException.class, () -> InflightController.builder().latencyTargetNs(0));
        assertThrows(IllegalArgumentException.class, () -> InflightController.builder().maxRequests(0));
        assertThrows(IllegalArgumentException.class,
                () -> InflightController.builder().maxRequestBytes(64 * MIB).maxInflightBytes(32 * MIB).build());
    }
}
