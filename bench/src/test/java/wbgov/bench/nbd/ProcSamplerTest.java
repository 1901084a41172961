package wbgov.bench.nbd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import wbgov.bench.nbd.ProcSampler.CpuTimes;

class ProcSamplerTest {
    @Test
    void cpuTimesAreTheSumOfAllFieldsAndIdlePlusIowait() {
        CpuTimes t = CpuTimes.parse("cpu  100 5 50 800 40 1 4 0 0 0");
        assertEquals(new CpuTimes(1000, 840), t);
        assertEquals(0.25, new CpuTimes(1400, 1140).busySince(t), 1e-12);
        assertEquals(1.0, t.busySince(t)); // no time passed: nothing idle either
    }

    @Test
    void kbIsTheFirstNumberAfterTheKeyOnItsLine() {
        String status = "Name:\tjava\nVmLck:\t 1502208 kB\nVmRSS:\t  1249280 kB\n";
        assertEquals(1502208, ProcSampler.kb(status, "VmLck:"));
        assertEquals(1249280, ProcSampler.kb(status, "VmRSS:"));
        assertEquals(-1, ProcSampler.kb(status, "VmSwap:"));
        assertEquals(1237000, ProcSampler.kb("Rss:  1249280 kB\nLocked:  1237000 kB\n", "Locked:"));
    }
}
