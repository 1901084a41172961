package wbgov.bench.rig;

import java.io.IOException;
import java.util.Collection;
import java.util.List;

/**
 * What admins do today, as udev rules in the wild do it: the same strict cap on every device of
 * a class ({@code strict_limit=1}, {@code max_bytes=16 MiB}), blind to each device's speed. The
 * benchmark's static-cap configuration.
 *
 * <p>Every bdi is saved in the {@link KernelSnapshot} before its first write, so {@link #close()}
 * (or the snapshot's own restore, or the shutdown hook) puts it back. Order: {@code max_bytes}
 * first, then {@code strict_limit}, so the cap never turns strict at a higher value than wanted.
 */
public final class StaticCap implements AutoCloseable {
    /** The cap udev rules in the wild use. */
    public static final long DEFAULT_MAX_BYTES = 16L << 20;

    private final KernelSnapshot snapshot;
    private final List<String> bdis;
    private final long maxBytes;

    private StaticCap(KernelSnapshot snapshot, List<String> bdis, long maxBytes) {
        this.snapshot = snapshot;
        this.bdis = bdis;
        this.maxBytes = maxBytes;
    }

    /** {@code strict_limit=1, max_bytes=16 MiB} on each bdi. */
    public static StaticCap apply(KernelSnapshot snapshot, Collection<String> bdis) throws IOException {
        return apply(snapshot, bdis, DEFAULT_MAX_BYTES);
    }

    /** {@code strict_limit=1, max_bytes=maxBytes} on each bdi (min_bytes left as it is). */
    public static StaticCap apply(KernelSnapshot snapshot, Collection<String> bdis, long maxBytes) throws IOException {
        List<String> list = List.copyOf(bdis);
        StaticCap cap = new StaticCap(snapshot, list, maxBytes);
        try {
            for (String bdi : list) {
                snapshot.bdi(bdi);
                snapshot.setBdiKnob(bdi, "max_bytes", Long.toString(maxBytes));
                snapshot.setBdiKnob(bdi, "strict_limit", "1");
            }
        } catch (IOException e) {
            cap.close();
            throw e;
        }
        return cap;
    }

    public List<String> bdis() {
        return bdis;
    }

    public long maxBytes() {
        return maxBytes;
    }

    /** Puts each capped bdi back to its saved knobs. */
    @Override
    public void close() throws IOException {
        IOException first = null;
        for (String bdi : bdis) {
            try {
                snapshot.restoreBdi(bdi);
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
