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
 *
 * <p><b>Memory.</b> The figure is the larger of the current stretch and the largest stretch
 * that ended within the last {@value #MEMORY_NS} ns (60 s):
 * <pre>
 *   proven = max(current, kept)       kept: the largest ended stretch of the last 60 s
 * </pre>
 * A file system writes a few KiB of metadata seconds after a burst (the journal commit): a new
 * stretch of 64 KiB that, taking the place of the 400 MiB burst's, made the next rise a ×4 step
 * from the backlog target, too slow for the next burst (bench burst, 2026-11-27). A small
 * stretch proves nothing against a big one just before it. The rise stays capped by the law's
 * target (rate × drain target), so an old proof never lets in more than the current rate allows;
 * after 60 s without its like it gives way to newer stretches.
 */
final class BusyStretch {
    /** How long an ended stretch's figure is kept against smaller ones after it. */
    static final long MEMORY_NS = 60_000_000_000L;

    private long startWritten = -1;
    private long lastWritten = -1;
    private long currentBytes;
    private long keptBytes;
    private long keptAtNs;
    private long provenBytes;

    /**
     * @param nowNs the sample's time
     * @param written cumulative completed bytes (BdiWritten or the block counter), ≥ 0
     * @param held dirty + writeback bytes now
     */
    void update(long nowNs, long written, long held) {
        if (lastWritten >= 0 && written < lastWritten) { // counter reset: start over
            // (from lastWritten, the pre-reset value, below: proven reads 0 until the counter
            // passes it again — errs low; kept from before the split). A re-registered bdi may be
            // another device: nothing kept either.
            startWritten = -1;
            keptBytes = 0;
        }
        boolean completed = lastWritten >= 0 && written > lastWritten;
        if (startWritten < 0) {
            if (held > 0 || completed) {
                startWritten = lastWritten >= 0 ? lastWritten : written;
                currentBytes = Math.max(0, written - startWritten);
            }
        } else {
            currentBytes = Math.max(0, written - startWritten);
            if (held == 0 && !completed) { // idle: a throttled writer's device is often empty at the sample
                startWritten = -1;
                if (currentBytes >= keptBytes || nowNs - keptAtNs >= MEMORY_NS) {
                    keptBytes = currentBytes;
                    keptAtNs = nowNs;
                }
            }
        }
        if (keptBytes > 0 && nowNs - keptAtNs >= MEMORY_NS) {
            keptBytes = 0;
        }
        provenBytes = Math.max(currentBytes, keptBytes);
        lastWritten = written;
    }

    /**
     * Bytes completed in the current busy stretch or the largest one ended in the last 60 s; 0
     * before any, and after {@link #forget()}.
     */
    long provenBytes() {
        return provenBytes;
    }

    /**
     * A stalled device has proven nothing: the figure reads 0 (the kept one too) until the next
     * sample of a busy stretch recomputes it (the stretch itself is not cut, as before the split).
     */
    void forget() {
        provenBytes = 0;
        currentBytes = 0;
        keptBytes = 0;
    }
}
