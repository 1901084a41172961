package wbgov.governor.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.List;
import java.util.function.Supplier;
import wbgov.governor.daemon.GovernorSnapshot;
import wbgov.governor.daemon.GovernorSnapshot.Device;
import wbgov.governor.daemon.GovernorSnapshot.Global;
import wbgov.governor.daemon.GovernorSnapshot.Pressure;

/**
 * The governor's metrics, built from one {@link GovernorSnapshot} per scrape on the scrape's
 * thread: the duty cycle never waits for a scrape and allocates nothing for one, and every
 * value of a scrape comes from the same reading (as {@code wbgov status --json} shows it). No
 * metric object is registered per device: a device that goes away leaves the next scrape.
 * Unknown values (null in the snapshot) are left out, never exported as -1.
 *
 * <p>Per device, labels {@code device} (kernel name, else wbgov's label), {@code bdi},
 * {@code policy} ("" when none matched), {@code class} (the device kind); devices with nothing
 * attached (idle loop devices, hidden by status too) are left out:
 *
 * <pre>
 *   wbgov_device_governed                          0/1  a policy governs it
 *   wbgov_device_dirty_bytes                       bytes
 *   wbgov_device_writeback_bytes                   bytes
 *   wbgov_device_dirtying_rate_bytes_per_second    how fast its writers dirty pages
 *   wbgov_device_completion_rate_bytes_per_second  how fast it completes write-back (the law's r)
 *   wbgov_device_kernel_max_bytes                  max_bytes as the kernel reads it back: the allowance in force
 *   wbgov_device_allowance_bytes                   max_bytes the law asks for
 *   wbgov_device_strict                            0/1  strict_limit as the kernel reads it back
 *   wbgov_device_drain_seconds                     held / r: time to safe eject (absent when stalled)
 *   wbgov_device_drain_upper_bound_seconds         the same at the low end of r's 95 % interval
 *   wbgov_device_drain_target_seconds              the policy's promise T
 *   wbgov_device_no_progress_seconds               owing write-back and completing nothing, for so long
 *   wbgov_device_knob_writes_total                 counter
 *   wbgov_device_knob_errors_total                 counter
 *   wbgov_device_state{state=…}                    0/1 per state (tracking, backlogged, relaxed, probing,
 *                                                  stalled, draining): exactly one is 1 for a governed device
 * </pre>
 *
 * Global: {@code wbgov_dirty_threshold_bytes}, {@code wbgov_dirty_background_threshold_bytes},
 * {@code wbgov_dirty_bytes}, {@code wbgov_writeback_bytes} (the machine's),
 * {@code wbgov_pressure_avg10_ratio{resource="io|memory",level="some|full"}} (PSI's avg10, 0..1),
 * {@code wbgov_pressure_stall_seconds_total{resource,level}}, {@code wbgov_tick_duration_seconds}
 * (histogram), {@code wbgov_ticks_total}, {@code wbgov_ticks_failed_total},
 * {@code wbgov_policy_reloads_total{result="ok|failed"}}; per export the governor sets the limit
 * of: {@code wbgov_nbd_completion_rate_bytes_per_second{export}}. The server's own counters are
 * {@link ExportCollector}'s; build info and start time {@link ProcessCollector}'s.
 */
public final class GovernorCollector implements MultiCollector {
    /** The controller's states, in the order the law names them ({@link wbgov.governor.control.Decision#state()}). */
    static final List<String> STATES = List.of("tracking", "backlogged", "relaxed", "probing", "stalled", "draining");

    private final Supplier<GovernorSnapshot> source;

    /** @param source reads the governor now, on the caller's thread ({@code governor::snapshot}) */
    public GovernorCollector(Supplier<GovernorSnapshot> source) {
        this.source = source;
    }

    @Override
    public MetricSnapshots collect() {
        return collect(source.get());
    }

    /** The metrics of one snapshot. */
    static MetricSnapshots collect(GovernorSnapshot s) {
        MetricSnapshots.Builder out = MetricSnapshots.builder();
        devices(s.devices(), out);
        global(s.global(), out);
        Family.counter("wbgov_ticks", "Duty-cycle ticks so far", null).add(s.ticks(), Labels.EMPTY).addTo(out);
        Family rate = Family.gauge("wbgov_nbd_completion_rate_bytes_per_second",
                "Completion rate of an export of the bundled server, the input of its in-flight law", null);
        for (GovernorSnapshot.Export e : s.exports()) {
            rate.add(e.completionBytesPerSec(), Labels.of("export", e.name()));
        }
        rate.addTo(out);
        return out.build();
    }

    private static void devices(List<Device> devices, MetricSnapshots.Builder out) {
        Family governed = Family.gauge("wbgov_device_governed", "1 when a policy governs the device, 0 when it is only observed", null);
        Family dirty = Family.gauge("wbgov_device_dirty_bytes", "Dirty pages of the device", Unit.BYTES);
        Family writeback = Family.gauge("wbgov_device_writeback_bytes", "Pages of the device under write-back", Unit.BYTES);
        Family dirtying = Family.gauge("wbgov_device_dirtying_rate_bytes_per_second",
                "How fast the device's writers dirty pages", null);
        Family completion = Family.gauge("wbgov_device_completion_rate_bytes_per_second",
                "How fast the device completes write-back (estimated)", null);
        Family kernelMax = Family.gauge("wbgov_device_kernel_max_bytes",
                "max_bytes as the kernel reads it back: the allowance in force", Unit.BYTES);
        Family allowance = Family.gauge("wbgov_device_allowance_bytes", "The allowance (max_bytes) the law asks for", Unit.BYTES);
        Family strict = Family.gauge("wbgov_device_strict", "strict_limit as the kernel reads it back (0/1)", null);
        Family drain = Family.gauge("wbgov_device_drain_seconds",
                "Predicted time until all the device holds is written (time to safe eject)", Unit.SECONDS);
        Family upper = Family.gauge("wbgov_device_drain_upper_bound_seconds",
                "Predicted drain time at the low end of the completion rate's 95% interval", Unit.SECONDS);
        Family target = Family.gauge("wbgov_device_drain_target_seconds", "The policy's drain target", Unit.SECONDS);
        Family noProgress = Family.gauge("wbgov_device_no_progress_seconds",
                "How long the device has owed write-back without completing any", Unit.SECONDS);
        Family writes = Family.counter("wbgov_device_knob_writes", "Knob writes made for the device", null);
        Family errors = Family.counter("wbgov_device_knob_errors", "Knob writes for the device that failed", null);
        Family state = Family.gauge("wbgov_device_state", "The controller's state: 1 for the state it is in", null);
        for (Device d : devices) {
            if (!d.attached()) {
                continue;
            }
            Labels l = Labels.of("device", d.blockDevice() != null ? d.blockDevice() : d.device(), "bdi", d.bdi(),
                    "policy", d.policy() == null ? "" : d.policy(), "class", d.kind());
            governed.add(d.governed(), l);
            dirty.add(d.dirtyBytes(), l);
            writeback.add(d.writebackBytes(), l);
            dirtying.add(d.dirtyingBytesPerSec(), l);
            completion.add(d.completionBytesPerSec(), l);
            kernelMax.add(d.kernelMaxBytes(), l);
            allowance.add(d.allowanceBytes(), l);
            strict.add(d.strict(), l);
            drain.add(d.drainSeconds(), l);
            upper.add(d.drainSecondsUpper(), l);
            target.add(d.drainTargetSeconds(), l);
            noProgress.add(d.noProgressSeconds(), l);
            writes.add(d.knobWrites(), l);
            errors.add(d.knobErrors(), l);
            if (d.state() != null) {
                for (String s : STATES) {
                    state.add(s.equals(d.state()), l.add("state", s));
                }
                if (!STATES.contains(d.state())) { // a state newer than this list: shown all the same
                    state.add(1, l.add("state", d.state()));
                }
            }
        }
        for (Family f : List.of(governed, dirty, writeback, dirtying, completion, kernelMax, allowance, strict, drain,
                upper, target, noProgress, writes, errors, state)) {
            f.addTo(out);
        }
    }

    private static void global(Global g, MetricSnapshots.Builder out) {
        Family.gauge("wbgov_dirty_threshold_bytes", "The global dirty limit now (nr_dirty_threshold)", Unit.BYTES)
                .add(g.dirtyThreshBytes(), Labels.EMPTY).addTo(out);
        Family.gauge("wbgov_dirty_background_threshold_bytes",
                "Where background write-back starts (nr_dirty_background_threshold)", Unit.BYTES)
                .add(g.backgroundThreshBytes(), Labels.EMPTY).addTo(out);
        Family.gauge("wbgov_dirty_bytes", "Dirty pages, all devices (nr_dirty)", Unit.BYTES)
                .add(g.dirtyBytes(), Labels.EMPTY).addTo(out);
        Family.gauge("wbgov_writeback_bytes", "Pages under write-back, all devices (nr_writeback)", Unit.BYTES)
                .add(g.writebackBytes(), Labels.EMPTY).addTo(out);
        Pressure p = g.pressure();
        if (p != null) {
            Family avg = Family.gauge("wbgov_pressure_avg10_ratio",
                    "Share of the last 10 s some (or all) tasks stalled on the resource (PSI avg10)", Unit.RATIO);
            Family total = Family.counter("wbgov_pressure_stall_seconds",
                    "Time some (or all) tasks stalled on the resource since boot (PSI total)", Unit.SECONDS);
            avg.add(ratio(p.ioSomeAvg10Percent()), psi("io", "some"));
            avg.add(ratio(p.ioFullAvg10Percent()), psi("io", "full"));
            avg.add(ratio(p.memorySomeAvg10Percent()), psi("memory", "some"));
            avg.add(ratio(p.memoryFullAvg10Percent()), psi("memory", "full"));
            total.add(p.ioSomeSeconds(), psi("io", "some"));
            total.add(p.ioFullSeconds(), psi("io", "full"));
            total.add(p.memorySomeSeconds(), psi("memory", "some"));
            total.add(p.memoryFullSeconds(), psi("memory", "full"));
            avg.addTo(out);
            total.addTo(out);
        }
        if (g.tickSeconds() != null) {
            var t = g.tickSeconds();
            Family.histogram("wbgov_tick_duration_seconds", "How long the duty cycle's ticks take", Unit.SECONDS)
                    .addHistogram(t.upperBoundsSeconds(), t.cumulativeCounts(), t.sumSeconds(), Labels.EMPTY).addTo(out);
        }
        Family.counter("wbgov_ticks_failed", "Ticks that ended in an error (logged; the loop goes on)", null)
                .add(g.failedTicks(), Labels.EMPTY).addTo(out);
        Family.counter("wbgov_policy_reloads", "Policy reloads (SIGHUP): ok took effect, failed kept the old policies", null)
                .add(g.reloadsOk(), Labels.of("result", "ok")).add(g.reloadsFailed(), Labels.of("result", "failed"))
                .addTo(out);
    }

    private static Labels psi(String resource, String level) {
        return Labels.of("resource", resource, "level", level);
    }

    private static Double ratio(Double percent) {
        return percent == null ? null : percent / 100;
    }
}
