package wbgov.governor.control;

import java.util.ArrayList;
import java.util.List;
import wbgov.governor.sample.BdiSample;

/**
 * A machine of devices sharing one dirty budget, for testing control laws without a kernel.
 *
 * <p>Per device: writers dirty pages at {@code writerBytesPerSec} while the device holds less
 * than its allowance (always for a strict device; for a non-strict one only once global dirty
 * passes freerun, as the kernel does) and while the machine holds less than
 * {@code globalThreshBytes} (the shared-budget stall). Dirty pages move to write-back up to
 * {@code queueBytes}; write-back completes at min(capacity, writeback / latency) (Little's law:
 * a device needs bytes in flight to reach its speed). Time advances in 10 ms sub-steps.
 */
final class PlantModel {
    static final long MIB = 1L << 20;
    static final long MS = 1_000_000L;
    private static final long SUBSTEP_NS = 10 * MS;

    final long globalThreshBytes;
    final long backgroundThreshBytes;
    final List<Device> devices = new ArrayList<>();
    long nowNs = 1_000_000_000L; // arbitrary origin: the laws must not care

    PlantModel(long globalThreshBytes, long backgroundThreshBytes) {
        this.globalThreshBytes = globalThreshBytes;
        this.backgroundThreshBytes = backgroundThreshBytes;
    }

    /** One device and its writer. */
    static final class Device {
        final String name;
        double capacityBytesPerSec;
        double latencySec = 0.01;
        double queueBytes;
        double writerBytesPerSec;
        boolean strict = true;
        long allowanceBytes;
        /** Stop the writer after it has dirtied this much (fdatasync-style job); -1 unlimited. */
        double jobBytes = -1;
        double dirty;
        double writeback;
        double written;
        double dirtied;
        /** When the job was fully dirtied and written (ns), -1 before. */
        long jobDoneNs = -1;
        final BdiSample sample = new BdiSample();

        Device(String name, double capacityBytesPerSec, double queueBytes, long allowanceBytes) {
            this.name = name;
            this.capacityBytesPerSec = capacityBytesPerSec;
            this.queueBytes = queueBytes;
            this.allowanceBytes = allowanceBytes;
        }

        double held() {
            return dirty + writeback;
        }

        /** Seconds to drain what it holds at its true current speed. */
        double trueDrainSec() {
            return held() / capacityBytesPerSec;
        }
    }

    Device add(Device d) {
        devices.add(d);
        return d;
    }

    double globalHeld() {
        double sum = 0;
        for (Device d : devices) {
            sum += d.held();
        }
        return sum;
    }

    double freerun() {
        return (globalThreshBytes + backgroundThreshBytes) / 2.0;
    }

    /** Advances by {@code ns} (a multiple of 10 ms). */
    void advance(long ns) {
        double dt = SUBSTEP_NS / 1e9;
        for (long t = 0; t < ns; t += SUBSTEP_NS) {
            for (Device d : devices) {
                double move = Math.min(d.dirty, Math.max(0, d.queueBytes - d.writeback));
                d.dirty -= move;
                d.writeback += move;
                double rate = Math.min(d.capacityBytesPerSec, d.writeback / d.latencySec);
                double done = Math.min(d.writeback, rate * dt);
                d.writeback -= done;
                d.written += done;
            }
            double global = globalHeld();
            for (Device d : devices) {
                double want = d.writerBytesPerSec * dt;
                if (d.jobBytes >= 0) {
                    want = Math.min(want, d.jobBytes - d.dirtied);
                }
                double room = Double.MAX_VALUE;
                if (d.strict || global >= freerun()) {
                    room = Math.max(0, d.allowanceBytes - d.held());
                }
                room = Math.min(room, Math.max(0, globalThreshBytes - global));
                double add = Math.max(0, Math.min(want, room));
                d.dirty += add;
                d.dirtied += add;
                global += add;
                if (d.jobBytes >= 0 && d.jobDoneNs < 0 && d.dirtied >= d.jobBytes && d.held() < 1) {
                    d.jobDoneNs = nowNs + t + SUBSTEP_NS;
                }
            }
        }
        nowNs += ns;
        for (Device d : devices) {
            BdiSample s = d.sample;
            s.timeNs = nowNs;
            s.dirtyBytes = (long) d.dirty;
            s.writebackBytes = (long) d.writeback;
            s.dirtiedBytes = (long) d.dirtied;
            s.writtenBytes = (long) d.written;
            s.globalThreshBytes = globalThreshBytes;
            s.backgroundThreshBytes = backgroundThreshBytes;
        }
    }
}
