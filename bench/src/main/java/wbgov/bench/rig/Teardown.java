package wbgov.bench.rig;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shutdown-hook registry of the rigs. A rig changes machine-wide state (mounts, loop
 * devices, sysctls, bdi knobs, blk-throttle rules, processes): left behind after a failure or
 * Ctrl-C, that state breaks the next run and every other user of the machine. So every rig
 * registers its teardown here as soon as it has anything to undo; {@code close()} runs it and
 * deregisters, and one JVM shutdown hook runs whatever is still registered, newest first (the
 * reverse of construction: a mount before its loop device before its FUSE file).
 *
 * <p>A failing teardown step is logged and the others still run.
 */
public final class Teardown {
    private static final Logger LOG = LoggerFactory.getLogger(Teardown.class);
    private static final Deque<Handle> PENDING = new ArrayDeque<>();
    private static boolean hookInstalled;

    private Teardown() {
    }

    /** One registered teardown; {@link #close()} runs it at most once and deregisters it. */
    public static final class Handle implements AutoCloseable {
        private final String what;
        private final AutoCloseable action;
        private boolean done;

        private Handle(String what, AutoCloseable action) {
            this.what = what;
            this.action = action;
        }

        public String what() {
            return what;
        }

        /** Runs the teardown now (once), and deregisters it. Exceptions propagate. */
        @Override
        public void close() throws Exception {
            synchronized (this) {
                if (done) {
                    return;
                }
                done = true;
            }
            synchronized (Teardown.class) {
                PENDING.remove(this);
            }
            action.close();
        }

        /**
         * {@link #close()} for a rig's own {@code close() throws IOException}: an IOException or
         * unchecked exception as it is, any other wrapped in an IOException.
         */
        public void closeIo() throws IOException {
            try {
                close();
            } catch (IOException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException(e);
            }
        }
    }

    /** Registers {@code action}, to be run by the shutdown hook unless closed first. */
    public static synchronized Handle register(String what, AutoCloseable action) {
        if (!hookInstalled) {
            Runtime.getRuntime().addShutdownHook(new Thread(Teardown::runAll, "wbgov-bench-teardown"));
            hookInstalled = true;
        }
        Handle h = new Handle(what, action);
        PENDING.push(h);
        return h;
    }

    /** What is still registered, newest first (for tests and for a report of leftovers). */
    public static synchronized List<String> pending() {
        List<String> out = new ArrayList<>();
        for (Handle h : PENDING) {
            out.add(h.what);
        }
        return out;
    }

    /** Runs every registered teardown, newest first; logs and continues past failures. */
    public static void runAll() {
        while (true) {
            Handle h;
            synchronized (Teardown.class) {
                h = PENDING.peek();
            }
            if (h == null) {
                return;
            }
            try {
                LOG.warn("teardown on exit: {}", h.what);
                h.close();
            } catch (Exception e) {
                LOG.error("teardown of {} failed: {}", h.what, e.toString());
            }
            synchronized (Teardown.class) {
                PENDING.remove(h); // a failed close() already removed it; harmless otherwise
            }
        }
    }
}
