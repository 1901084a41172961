package wbgov.governor.daemon;

import wbgov.governor.actuate.KnobState;
import wbgov.governor.control.Decision;
import wbgov.governor.control.DeviceLaw;
import wbgov.governor.discover.DeviceInfo;
import wbgov.governor.estimate.DrainTime;
import wbgov.governor.estimate.RateEstimator;
import wbgov.governor.policy.PolicyMatch;

/**
 * Everything the governor keeps for one bdi between ticks, preallocated when the device is
 * found. Kept across rescans while the device exists, so its controller keeps what it learned.
 * Fields the status server reads are volatile (written once per tick by the governor thread).
 */
final class DeviceState {
    final DeviceInfo device;
    final PolicyMatch match;
    /** Its law; null when no policy governs the device: it is only observed. */
    final DeviceLaw law;
    final RateEstimator dirtying = RateEstimator.builder().build();
    /** Completions while it holds data, τ 5 s: what a drain of it will see (status's time to drain). */
    final RateEstimator throughput = RateEstimator.builder().tauNs(5_000_000_000L).everyHeldInterval().build();
    volatile double throughputBytesPerSec;
    volatile double throughputStdErrBytesPerSec;
    volatile boolean throughputMeasured;
    volatile int sources;
    /** What the kernel keeps, read back after our last write; null before any. */
    volatile KnobState kept;
    /** max_bytes of the law's last decision (bytes); 0 when not governed. */
    volatile long targetBytes;
    /** Whether the last decision asked for strict_limit. */
    volatile boolean strictWanted;
    /** The controller's state at the last decision ({@link Decision#state()}); null when not governed. */
    volatile String lawState;
    volatile long dirtyBytes = -1;
    volatile long writebackBytes = -1;
    volatile double completionBytesPerSec;
    /** Standard error of the completion rate (bytes/s). */
    volatile double completionStdErrBytesPerSec;
    /** Whether the law has measured a completion rate yet. */
    volatile boolean measured;
    /** How long it has had pages under write-back without completing any (ns), at the last decision. */
    volatile long noProgressNs;
    /** Whether the last decision found it stalled. */
    volatile boolean stalled;
    volatile double dirtyingBytesPerSec;
    volatile long knobWrites;
    volatile long knobErrors;
    long lastDriftCheckNs;
    /** A drain lease asked for ({@link Governor#drain}): its length (ns, 0 = release), then the request count. */
    volatile long drainLeaseNs;
    volatile int drainRequests;
    /** The duty cycle's view of the lease: requests seen, whether one is in force and until when (tick's clock). */
    int drainRequestsSeen;
    boolean drainActive;
    long drainUntilNs;
    /** {@link wbgov.governor.memory.DeviceIdentity}'s key; null when not identifiable or not remembering. */
    String memoryKey;
    /** When it was last seen in an earlier run (seconds since the epoch); 0: not met before. */
    volatile long rememberedSeenEpochSeconds;
    /** Held data or dirtied some at its last reading: read every tick. */
    boolean busy = true;
    /** Nothing attached (a loop device): read once for the status table, then not again. */
    final boolean unattached;
    /** The governor tick of its last reading. */
    long lastSampledTick = Long.MIN_VALUE / 2;

    DeviceState(DeviceInfo device, PolicyMatch match, DeviceLaw law) {
        this.device = device;
        this.match = match;
        this.law = law;
        this.unattached = device.unattachedLoop();
    }

    boolean governed() {
        return law != null;
    }

    /**
     * Whether a drain is in force at {@code nowNs} (the tick's clock): takes up a new request
     * (a lease of {@code drainLeaseNs} from now; 0 ends it), and lets an unrenewed lease lapse,
     * so a {@code wbgov drain} killed with -9 hands the device back within its lease.
     */
    boolean draining(long nowNs) {
        int requests = drainRequests; // read before the lease: the writer sets the lease first
        if (requests != drainRequestsSeen) {
            drainRequestsSeen = requests;
            long lease = drainLeaseNs;
            drainActive = lease > 0;
            drainUntilNs = nowNs + lease;
        }
        if (drainActive && nowNs - drainUntilNs >= 0) {
            drainActive = false;
        }
        return drainActive;
    }

    /** Copies what status shows from the law's decision (the decision itself is overwritten next tick). */
    void publish(Decision d) {
        targetBytes = d.maxBytes;
        strictWanted = d.strict;
        lawState = d.state();
        completionBytesPerSec = d.rateBytesPerSec;
        completionStdErrBytesPerSec = d.rateStdErrBytesPerSec;
        measured = law.allowance().hasEstimate();
        noProgressNs = d.noProgressNs;
        stalled = d.stalled;
    }

    /** {@link DrainTime#seconds}: +∞ for a device that holds data and completes nothing. */
    double drainSeconds() {
        return DrainTime.seconds(DrainTime.heldBytes(dirtyBytes, writebackBytes), completionBytesPerSec);
    }
}
