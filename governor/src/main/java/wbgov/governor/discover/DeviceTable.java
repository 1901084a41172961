package wbgov.governor.discover;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The devices found by one scan: an immutable list of {@link DeviceInfo} in a stable order (by
 * bdi name), indexed so that per-device state elsewhere (samplers, controllers) can live in
 * plain arrays addressed by the same index. A rescan builds a new table; {@link #diff} says what
 * came and went.
 */
public final class DeviceTable {
    private final List<DeviceInfo> devices;
    private final Map<String, Integer> indexByBdi;

    public DeviceTable(List<DeviceInfo> devices) {
        this.devices = List.copyOf(devices);
        Map<String, Integer> idx = new HashMap<>();
        for (int i = 0; i < this.devices.size(); i++) {
            if (idx.put(this.devices.get(i).bdi(), i) != null) {
                throw new IllegalArgumentException("duplicate bdi " + this.devices.get(i).bdi());
            }
        }
        this.indexByBdi = Map.copyOf(idx);
    }

    public int size() {
        return devices.size();
    }

    public DeviceInfo get(int index) {
        return devices.get(index);
    }

    public List<DeviceInfo> devices() {
        return devices;
    }

    /** The device with this bdi name, or null. */
    public DeviceInfo byBdi(String bdi) {
        Integer i = indexByBdi.get(bdi);
        return i == null ? null : devices.get(i);
    }

    /** Index of the bdi in this table, or -1. */
    public int indexOf(String bdi) {
        Integer i = indexByBdi.get(bdi);
        return i == null ? -1 : i;
    }

    /** The device whose block device is named so ("loop0"), or null. */
    public DeviceInfo byBlockDevice(String name) {
        for (DeviceInfo d : devices) {
            if (name.equals(d.blockDevice())) {
                return d;
            }
        }
        return null;
    }

    /** What changed from {@code before} to this table. */
    public Change diff(DeviceTable before) {
        List<String> added = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        for (DeviceInfo d : devices) {
            DeviceInfo old = before == null ? null : before.byBdi(d.bdi());
            if (old == null) {
                added.add(d.bdi());
            } else if (!old.equals(d)) {
                changed.add(d.bdi());
            }
        }
        if (before != null) {
            for (DeviceInfo d : before.devices) {
                if (!indexByBdi.containsKey(d.bdi())) {
                    removed.add(d.bdi());
                }
            }
        }
        return new Change(this, added, removed, changed);
    }

    /**
     * The result of a rescan: the new table and the bdis added, removed, or changed (same bdi,
     * different facts: a loop device re-attached to another file, a new mount).
     */
    public record Change(DeviceTable table, List<String> added, List<String> removed, List<String> changed) {
        public Change {
            added = List.copyOf(added);
            removed = List.copyOf(removed);
            changed = List.copyOf(changed);
        }

        public boolean any() {
            return !added.isEmpty() || !removed.isEmpty() || !changed.isEmpty();
        }
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (DeviceInfo d : devices) {
            b.append(d).append('\n');
        }
        return b.toString();
    }
}
