package wbgov.nbd.backend;

import java.io.Closeable;
import java.nio.ByteBuffer;

/**
 * Where an export's bytes live. The protocol core calls these from its request loop, so every
 * method returns an NBD wire errno (0 on success, see {@link wbgov.nbd.protocol.Wire}) instead of
 * throwing, and none allocates on success.
 *
 * <p>Reads and writes take the buffer's remaining bytes: {@code buf.position()} to {@code
 * buf.limit()}; they advance the position. All offsets are validated by the caller against
 * {@link #size()} before the call.
 */
public interface Backend extends Closeable {
    /** Size of the export in bytes. */
    long size();

    /** Whether {@link #trim} can free space (else TRIM is accepted and ignored). */
    boolean canTrim();

    /** Whether {@link #zero} can be done fast without writing zeros (for NBD_CMD_FLAG_FAST_ZERO). */
    boolean canFastZero();

    /** Alignment every request must have (1, or the logical block size with O_DIRECT). */
    int minimumBlockBytes();

    int read(ByteBuffer buf, long offset);

    int write(ByteBuffer buf, long offset);

    /** Makes every completed write durable (fdatasync-level). */
    int flush();

    /** Deallocates a range; reads of it return zeros afterwards. */
    int trim(long offset, long length);

    /**
     * Zeroes a range. {@code mayPunch}: the range may become a hole (no NBD_CMD_FLAG_NO_HOLE).
     * {@code fastOnly}: fail with ENOTSUP rather than write zeros slowly.
     */
    int zero(long offset, long length, boolean mayPunch, boolean fastOnly);

    /**
     * The run of same allocation state starting at {@code offset}, at most {@code maxLength}
     * bytes: positive length when it holds data, negative length when it is a hole (reads as
     * zeros). Never 0 for maxLength &gt; 0.
     */
    long extent(long offset, long maxLength);

    /** One line for logs: "memory 1 GiB (memfd)" or "file /dev/sdb (O_DIRECT)". */
    String describe();
}
