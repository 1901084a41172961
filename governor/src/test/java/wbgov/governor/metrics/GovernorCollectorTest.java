package wbgov.governor.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wbgov.governor.daemon.GovernorSnapshot;
import wbgov.governor.daemon.GovernorSnapshot.Device;
import wbgov.governor.daemon.PlantGovernor;

/**
 * The governor's metrics against a governor on a fake kernel: every value of a scrape is the
 * snapshot's, exactly, in base units; unknown values are absent; the state is one-hot.
 */
class GovernorCollectorTest {
    @TempDir
    Path tmp;

    @Test
    void everyMetricIsTheSnapshotsValueInBaseUnits() throws Exception {
        try (PlantGovernor p = new PlantGovernor(tmp)) {
            p.write("sdb", 50 << 20); // the slow disk fills to its allowance and drains at 1 MiB/s
            p.run(6);
            GovernorSnapshot s = p.governor().snapshot();
            Exposition e = Exposition.of(GovernorCollector.collect(s));
            Device sdb = device(s, "sdb");
            assertTrue(sdb.heldBytes() > 0 && sdb.drainSeconds() != null, "the slow disk holds data: " + sdb);
            for (Device d : s.devices()) {
                String[] l = {"device", d.blockDevice(), "bdi", d.bdi(), "policy", d.policy(), "class", d.kind()};
                assertEquals(1.0, e.value("wbgov_device_governed", l));
                assertEquals(d.dirtyBytes().doubleValue(), e.value("wbgov_device_dirty_bytes", l));
                assertEquals(d.writebackBytes().doubleValue(), e.value("wbgov_device_writeback_bytes", l));
                assertEquals(d.dirtyingBytesPerSec(), e.value("wbgov_device_dirtying_rate_bytes_per_second", l));
                assertEquals(d.completionBytesPerSec(), e.value("wbgov_device_completion_rate_bytes_per_second", l));
                assertEquals(d.kernelMaxBytes().doubleValue(), e.value("wbgov_device_kernel_max_bytes", l));
                assertEquals(d.allowanceBytes().doubleValue(), e.value("wbgov_device_allowance_bytes", l));
                assertEquals(d.strict() ? 1.0 : 0.0, e.value("wbgov_device_strict", l));
                assertEquals(d.drainSeconds(), e.value("wbgov_device_drain_seconds", l));
                assertEquals(d.drainSecondsUpper(), e.value("wbgov_device_drain_upper_bound_seconds", l));
                assertEquals(2.0, e.value("wbgov_device_drain_target_seconds", l));
                assertEquals(d.noProgressSeconds(), e.value("wbgov_device_no_progress_seconds", l));
                assertEquals((double) d.knobWrites(), e.value("wbgov_device_knob_writes_total", l));
                assertEquals(0.0, e.value("wbgov_device_knob_errors_total", l));
                double states = 0;
                for (String st : GovernorCollector.STATES) {
                    Double v = e.value("wbgov_device_state", withState(l, st));
                    assertEquals(st.equals(d.state()) ? 1.0 : 0.0, v, d.device() + " state " + st);
                    states += v;
                }
                assertEquals(1.0, states, "one state at a time");
            }
            assertTrue(sdb.knobWrites() > 0, "the law moved the slow disk's allowance");
            // The kernel's value of the allowance in force (what it reads back), not the law's wish.
            assertEquals(sdb.kernelMaxBytes().doubleValue(), e.value("wbgov_device_kernel_max_bytes", "device", "sdb"));

            GovernorSnapshot.Global g = s.global();
            assertEquals(g.dirtyThreshBytes().doubleValue(), e.value("wbgov_dirty_threshold_bytes"));
            assertEquals(400.0 * (1 << 20), e.value("wbgov_dirty_threshold_bytes"));
            assertEquals(200.0 * (1 << 20), e.value("wbgov_dirty_background_threshold_bytes"));
            assertEquals(g.dirtyBytes().doubleValue(), e.value("wbgov_dirty_bytes"));
            assertEquals(g.writebackBytes().doubleValue(), e.value("wbgov_writeback_bytes"));
            // PSI: avg10 as a ratio, totals in seconds (the fake /proc/pressure says 12.50 %, 2500000 µs).
            assertEquals(0.125, e.value("wbgov_pressure_avg10_ratio", "resource", "io", "level", "some"), 1e-12);
            assertEquals(0.0425, e.value("wbgov_pressure_avg10_ratio", "resource", "io", "level", "full"), 1e-12);
            assertEquals(2.5, e.value("wbgov_pressure_stall_seconds_total", "resource", "io", "level", "some"), 1e-12);
            assertEquals(7e-6, e.value("wbgov_pressure_stall_seconds_total", "resource", "memory", "level", "full"), 1e-12);
            assertEquals((double) s.ticks(), e.value("wbgov_ticks_total"));
            assertEquals(60.0, e.value("wbgov_ticks_total"));
            assertEquals(0.0, e.value("wbgov_ticks_failed_total"));
            assertEquals(0.0, e.value("wbgov_policy_reloads_total", "result", "ok"));
            assertEquals(0.0, e.value("wbgov_policy_reloads_total", "result", "failed"));
            // The tick histogram: every tick in +Inf and in _count, buckets cumulative, the sum as read.
            var t = g.tickSeconds();
            assertEquals((double) t.count(), e.value("wbgov_tick_duration_seconds_count"));
            assertEquals((double) t.cumulativeCounts()[t.cumulativeCounts().length - 1],
                    e.value("wbgov_tick_duration_seconds_bucket", "le", "+Inf"));
            assertEquals((double) t.cumulativeCounts()[3], e.value("wbgov_tick_duration_seconds_bucket", "le", "0.001"));
            assertEquals(t.sumSeconds(), e.value("wbgov_tick_duration_seconds_sum"), 1e-9);
        }
    }

    @Test
    void unknownValuesAreAbsentNotMinusOne() throws Exception {
        try (PlantGovernor p = new PlantGovernor(tmp)) {
            p.run(0.1); // one tick: nothing written, no rate measured yet
            GovernorSnapshot s = p.governor().snapshot();
            Device sdb = device(s, "sdb");
            assertNull(sdb.completionBytesPerSec(), "no rate yet: " + sdb);
            Exposition e = Exposition.of(GovernorCollector.collect(s));
            assertNull(e.value("wbgov_device_completion_rate_bytes_per_second", "device", "sdb"), e.text);
            assertNotNull(e.value("wbgov_device_kernel_max_bytes", "device", "sdb"));
            assertTrue(e.samples.stream().allMatch(x -> x.value() >= 0), "no -1 anywhere:\n" + e.text);
        }
    }

    @Test
    void aReloadAndAFailedTickAreCounted() throws Exception {
        try (PlantGovernor p = new PlantGovernor(tmp)) {
            p.run(0.2);
            p.governor().reloadFailed();
            p.governor().tickFailed();
            GovernorCollector c = new GovernorCollector(p.governor()::snapshot); // read at scrape time
            Exposition e = Exposition.of(c.collect());
            assertEquals(1.0, e.value("wbgov_policy_reloads_total", "result", "failed"));
            assertEquals(1.0, e.value("wbgov_ticks_failed_total"));
            p.run(0.3);
            assertEquals(5.0, Exposition.of(c.collect()).value("wbgov_ticks_total"));
        }
    }

    static Device device(GovernorSnapshot s, String name) {
        return s.devices().stream().filter(d -> name.equals(d.blockDevice())).findFirst().orElseThrow();
    }

    private static String[] withState(String[] l, String state) {
        String[] r = java.util.Arrays.copyOf(l, l.length + 2);
        r[l.length] = "state";
        r[l.length + 1] = state;
        return r;
    }
}
