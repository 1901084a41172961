package wbgov.governor.discover;

import java.io.IOException;

/**
 * Keeps the current {@link DeviceTable} and rescans on demand: the daemon calls {@link #poll()}
 * every few seconds (a scan is about a millisecond of sysfs reads; OSHI is asked only for block
 * devices it has not seen) and rebuilds its per-device state only when something changed.
 */
public final class DeviceWatcher {
    private final DeviceScanner scanner;
    private DeviceTable current;

    public DeviceWatcher(DeviceScanner scanner) {
        this.scanner = scanner;
    }

    /** The table of the last poll, or null before the first. */
    public DeviceTable current() {
        return current;
    }

    /**
     * Rescans and reports what changed since the last poll (on the first poll every device is
     * "added").
     */
    public DeviceTable.Change poll() throws IOException {
        DeviceTable next = scanner.scan();
        DeviceTable.Change change = next.diff(current);
        current = next;
        return change;
    }
}
