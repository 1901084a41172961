package wbgov.governor.discover;

import java.util.HashMap;
import java.util.Map;
import oshi.SystemInfo;
import oshi.hardware.HWDiskStore;

/**
 * Vendor and model of block devices from OSHI, for devices where sysfs gives none. Optional and
 * failure-tolerant: OSHI enumerates through udev (~2.4 ms and ~100 KB per listing, and hides loop
 * devices), so it is asked once per new device name, never on the sampling path, and any error
 * (no udev, missing native library) simply yields no identity.
 */
public final class HardwareIdentity {
    /** Vendor and model, "" when unknown. */
    public record Identity(String vendor, String model) {
        static final Identity NONE = new Identity("", "");
    }

    private final Map<String, Identity> cache = new HashMap<>();
    private boolean failed;

    /** Identity of the block device {@code name} ("sda"), or {@link Identity#NONE}. */
    public synchronized Identity lookup(String name) {
        Identity hit = cache.get(name);
        if (hit != null || failed) {
            return hit != null ? hit : Identity.NONE;
        }
        try {
            for (HWDiskStore d : new SystemInfo().getHardware().getDiskStores()) {
                String n = d.getName();
                String shortName = n.startsWith("/dev/") ? n.substring(5) : n;
                cache.put(shortName, split(d.getModel()));
            }
        } catch (Throwable t) {
            failed = true;          // no OSHI here: identity stays what sysfs said
        }
        Identity id = cache.get(name);
        if (id == null) {
            id = Identity.NONE;
            cache.put(name, id);    // not asked again for this name
        }
        return id;
    }

    /** OSHI's model is often "VENDOR MODEL (Standard disk drives)"; keep it as model. */
    private static Identity split(String model) {
        if (model == null || model.isBlank() || model.equalsIgnoreCase("unknown")) {
            return Identity.NONE;
        }
        return new Identity("", model.trim());
    }
}
