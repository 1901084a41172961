package wbgov.governor.control;

/**
 * Bytes a device completed in its current busy stretch, or its last one while it rests: what
 * it has just drained it has proven it can drain. The tracker lets a confirmed rise go straight
 * up to that much ({@link AllowanceTracker}).
 * <pre>
 *   proven = written − written at the start of the stretch          bytes, ≥ 0
 *
 *   held+done ▲  ▄▄▄▄▄▄▄▄▄▄          ▄▄▄
 *             │ ▐██████████▌        ▐███▌
 *             └─┬──────────┬────────┬───────▶ t
 *   proven      0 ↗ grows  kept (idle)  restarts from 0
 * </pre>
 * A stretch starts at the sample where the device first holds data or completes some, counted
 * from the sample before (so the interval that woke it counts); it ends at a sample where it
 * holds nothing and completed nothing since the last one. Not ended by an empty sample alone:
 * a throttled writer's device is often empty at the moment of the sample while completing
 * steadily. A counter that goes backwards (bdi re-registered) starts a new stretch.
 *
 * <p>Why a rise needs this: a device that rests after a burst reports no new completions, so
 * steps it cannot confirm would only delay the opening the next burst needs. The bench numbers
 * that showed it are cited in bench/results/2026-11-25-full/NOTES.md ("Facts the controller's
 * comments cite").
 */
final class BusyStretch {
    private long startWritten = -1;
    private long lastWritten = -1;
    private long provenBytes;

    /**
     * @param written cumulative completed bytes (BdiWritten or the block counter), ≥ 0
     * @param held dirty + writeback bytes now
     */
    void update(long written, long held) {
        if (lastWritten >= 0 && written < lastWritten) { // counter reset: start over
            // (from lastWritten, the pre-reset value, below: proven reads 0 until the counter
            // passes it again — errs low; kept from before the split)
            startWritten = -1;
        }
        boolean completed = lastWritten >= 0 && written > lastWritten;
        if (startWritten < 0) {
            if (held > 0 || completed) {
                startWritten = lastWritten >= 0 ? lastWritten : written;
                provenBytes = Math.max(0, written - startWritten);
            }
        } else {
            provenBytes = Math.max(0, written - startWritten);
            if (held == 0 && !completed) { // idle: a throttled writer's device is often empty at the sample
                startWritten = -1;
            }
        }
        lastWritten = written;
    }

    /** Bytes completed in the current or last busy stretch; 0 before any, and after {@link #forget()}. */
    long provenBytes() {
        return provenBytes;
    }

    /**
     * A stalled device has proven nothing: the figure reads 0 until the next sample of a busy
     * stretch recomputes it (the stretch itself is not cut, as before the split).
     */
    void forget() {
        provenBytes = 0;
    }
}
