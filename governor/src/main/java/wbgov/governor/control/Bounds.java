package wbgov.governor.control;

import wbgov.governor.policy.Policy;

/**
 * The range every allowance of one device lies in: [floor, ceiling] bytes, the floor at least
 * {@link Policy#ABSOLUTE_MIN_FLOOR_BYTES}. Never zero: a device whose allowance is zero stops
 * its writers for good, the one mistake the seed's rule forbids (rate limiting may make many
 * mistakes and still never deadlock, as long as no device's dirty rate stays at zero).
 * <pre>
 *   clamp(x)
 *   ceiling ┤          ┌─────
 *           │        ╱
 *     floor ┼──────╱              clamp(NaN) = floor: a broken estimate errs shut, not open
 *           └──────┬───┬──────▶ x
 *              floor   ceiling
 * </pre>
 * Shared by the parts of {@link DrainTimeController} that compute a byte value, so they all
 * round alike: down to whole bytes, as the knob takes them.
 */
final class Bounds {
    final long floorBytes;
    final long ceilingBytes;

    /** @param floorBytes raised to the absolute minimum; ≤ ceilingBytes after that (checked by the builder) */
    Bounds(long floorBytes, long ceilingBytes) {
        this.floorBytes = Math.max(floorBytes, Policy.ABSOLUTE_MIN_FLOOR_BYTES);
        this.ceilingBytes = ceilingBytes;
    }

    long clamp(double bytes) {
        if (!(bytes >= floorBytes)) { // NaN too
            return floorBytes;
        }
        return bytes >= ceilingBytes ? ceilingBytes : (long) bytes;
    }
}
