package wbgov.nbd;

import java.io.IOException;
import wbgov.nbd.backend.Backend;
import wbgov.nbd.filter.InflightLimit;
import wbgov.nbd.filter.ServiceTimeEmulator;
import wbgov.nbd.filter.WriteFence;
import wbgov.nbd.protocol.Wire;
import wbgov.nbd.stats.ExportStats;

/**
 * One export: a backend, what it advertises, and the filters around it. All connections to an
 * export share this one backend, so they see one consistent store (CAN_MULTI_CONN holds).
 *
 * <p>What the governor may touch from outside: {@link #stats()} (read only) and {@link
 * #inflightLimit()} (settable), plus the emulated speed ({@link #emulator()}) for benchmarks.
 */
public final class Export implements AutoCloseable {
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    /** Preferred block size advertised (NBD_INFO_BLOCK_SIZE). */
    public static final int PREFERRED_BLOCK_BYTES = 4096;

    private final String name;
    private final String description;
    private final Backend backend;
    private final boolean readOnly;
    private final int maxRequestBytes;
    private final InflightLimit inflight;
    private final ServiceTimeEmulator emulator;
    private final ExportStats stats = new ExportStats();
    private final WriteFence fence = new WriteFence();
    private final long clientTimeoutNs;
    private final Thread emulatorThread;

    private Export(Builder b) {
        this.name = b.name;
        this.description = b.description;
        this.backend = b.backend;
        this.readOnly = b.readOnly;
        this.maxRequestBytes = b.maxRequestBytes;
        this.clientTimeoutNs = b.clientTimeoutNs;
        long pool = Math.max(b.inflightBytes, b.maxRequestBytes);
        this.inflight = new InflightLimit(b.maxRequestBytes, pool, b.inflightRequests, pool);
        this.emulator = new ServiceTimeEmulator(b.rateBytesPerSec, b.latencyNs);
        this.emulatorThread = new Thread(emulator, "nbd-service-" + name);
        emulatorThread.setDaemon(true);
        emulatorThread.start();
    }

    public static Builder builder(Backend backend) {
        return new Builder(backend);
    }

    /** Transmission flags as advertised, told truthfully from what backend and session can do. */
    public int transmissionFlags(boolean structuredReplies) {
        int f = Wire.TFLAG_HAS_FLAGS | Wire.TFLAG_SEND_FLUSH | Wire.TFLAG_SEND_FUA | Wire.TFLAG_SEND_CACHE
                | Wire.TFLAG_CAN_MULTI_CONN;
        if (readOnly) {
            f |= Wire.TFLAG_READ_ONLY;
        } else {
            f |= Wire.TFLAG_SEND_TRIM | Wire.TFLAG_SEND_WRITE_ZEROES;
            if (backend.canFastZero()) {
                f |= Wire.TFLAG_SEND_FAST_ZERO;
            }
        }
        if (structuredReplies) {
            f |= Wire.TFLAG_SEND_DF; // every read reply we send is one chunk anyway
        }
        return f;
    }

    public String name() {
        return name;
    }

    public String description() {
        return description;
    }

    public Backend backend() {
        return backend;
    }

    public long size() {
        return backend.size();
    }

    public boolean readOnly() {
        return readOnly;
    }

    public int minimumBlockBytes() {
        return backend.minimumBlockBytes();
    }

    public int maxRequestBytes() {
        return maxRequestBytes;
    }

    public InflightLimit inflightLimit() {
        return inflight;
    }

    public ServiceTimeEmulator emulator() {
        return emulator;
    }

    public ExportStats stats() {
        return stats;
    }

    /** Writes between payload and backend, which a new connection waits for. */
    public WriteFence writeFence() {
        return fence;
    }

    /**
     * The clients' request timeout (NBD has none on the wire: the operator tells it, as
     * {@code nbd-client -t}), ns; 0 when not told. The governor keeps requests' age in the server
     * under a fraction of it.
     */
    public long clientTimeoutNs() {
        return clientTimeoutNs;
    }

    /** Stops admitting requests and lets waiting replies out at once. */
    void beginShutdown() {
        emulator.drainNow();
    }

    /** Closes once (a server closes its exports, and so may their owner). */
    @Override
    public void close() throws IOException {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        inflight.close();
        emulator.stop();
        try {
            emulatorThread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        backend.close();
    }

    /** Export settings; defaults as field initialisers, ranges checked in setters. */
    public static final class Builder {
        private final Backend backend;
        private String name = "";
        private String description = "wbgov NBD export";
        private boolean readOnly;
        private int maxRequestBytes = 32 << 20;
        private int inflightRequests = 256;
        private long inflightBytes = 64L << 20;
        private long rateBytesPerSec;
        private long latencyNs;
        private long clientTimeoutNs;

        private Builder(Backend backend) {
            this.backend = backend;
        }

        public Builder name(String n) {
            if (n.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > Wire.MAX_STRING_LENGTH) {
                throw new IllegalArgumentException("export name longer than 4096 bytes");
            }
            name = n;
            return this;
        }

        public Builder description(String d) {
            description = d;
            return this;
        }

        public Builder readOnly(boolean ro) {
            readOnly = ro;
            return this;
        }

        /** Largest READ/WRITE advertised (NBD_INFO_BLOCK_SIZE maximum): 64 KiB .. 32 MiB. */
        public Builder maxRequestBytes(int n) {
            if (n < 64 * 1024 || n > 32 << 20 || Integer.bitCount(n) != 1) {
                throw new IllegalArgumentException("maximum request size must be a power of two from 64K to 32M, got " + n);
            }
            maxRequestBytes = n;
            return this;
        }

        public Builder inflightRequests(int n) {
            if (n < 1 || n > InflightLimit.MAX_REQUESTS) {
                throw new IllegalArgumentException("in-flight request limit must be 1.." + InflightLimit.MAX_REQUESTS + ", got " + n);
            }
            inflightRequests = n;
            return this;
        }

        /** In-flight byte limit at start; also the size of the preallocated buffer pool. */
        public Builder inflightBytes(long n) {
            if (n < 1) {
                throw new IllegalArgumentException("in-flight byte limit must be positive, got " + n);
            }
            inflightBytes = n;
            return this;
        }

        public Builder rateBytesPerSec(long r) {
            if (r < 0) {
                throw new IllegalArgumentException("rate must be >= 0 (0 = unlimited), got " + r);
            }
            rateBytesPerSec = r;
            return this;
        }

        public Builder latencyNs(long ns) {
            if (ns < 0) {
                throw new IllegalArgumentException("latency must be >= 0, got " + ns);
            }
            latencyNs = ns;
            return this;
        }

        /** The clients' request timeout ({@code nbd-client -t}), ns; 0: not told. */
        public Builder clientTimeoutNs(long ns) {
            if (ns < 0) {
                throw new IllegalArgumentException("client timeout must be >= 0 (0 = none), got " + ns);
            }
            clientTimeoutNs = ns;
            return this;
        }

        public Export build() {
            if (inflightBytes < maxRequestBytes) {
                throw new IllegalArgumentException("in-flight byte limit (" + inflightBytes
                        + ") is below one request of the largest size advertised (" + maxRequestBytes
                        + "): lower --max-request or raise --inflight-bytes");
            }
            return new Export(this);
        }
    }
}
