package wbgov.governor.policy;

/**
 * Moved to {@link wbgov.nbd.units.Units}, the one grammar for sizes and durations. This delegate
 * remains only for {@code daemon/Governor} and {@code control/Decision}, which are being changed
 * elsewhere at the time of the move; switch their import and delete this class.
 */
@Deprecated(forRemoval = true)
public final class Units {
    private Units() {
    }

    /** {@link wbgov.nbd.units.Units#formatBytes}. */
    public static String formatBytes(long bytes) {
        return wbgov.nbd.units.Units.formatBytes(bytes);
    }

    /** {@link wbgov.nbd.units.Units#formatDurationNs}. */
    public static String formatDurationNs(long ns) {
        return wbgov.nbd.units.Units.formatDurationNs(ns);
    }
}
