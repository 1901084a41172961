package wbgov.governor.memory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import wbgov.governor.discover.DeviceInfo;

/**
 * What identifies a device for real, across hot-plugs, reboots and renumbering — the key under
 * which {@link DeviceMemory} keeps what was learned about it. Not its name (sdb today is sdc
 * tomorrow, nbd0 serves another export after a reconnect) nor its bdi number.
 *
 * <pre>
 *   kind          key                                        from
 *   disk, nvme,   wwid:WWID                                  /sys/block/X/wwid, …/device/wwid
 *   usb           serial:ID_SERIAL                           udev's /run/udev/data/bMAJ:MIN, else
 *                                                            /sys/block/X/serial, …/device/serial
 *   loop          loop:BACKING_FILE                          /sys/block/loopN/loop/backing_file
 *   nbd           nbd:BACKEND                                /sys/block/nbdN/backend (netlink clients)
 *                 nbd:ARGS of the client                     /sys/block/nbdN/pid → /proc/PID/cmdline
 *   fuse, nfs …   fs:FSTYPE:MOUNTPOINT                       mountinfo
 * </pre>
 * A device none of these identifies (a disk without WWID or serial, an nbd device whose client
 * is gone) has no key: it is not remembered, and starts at its class's {@code initial} as before.
 * Read once per new device at a rescan, never on the sampling path.
 */
public final class DeviceIdentity {
    private DeviceIdentity() {
    }

    /**
     * The key of {@code d}, or null.
     *
     * @param sys the sysfs root (/sys)
     * @param proc the procfs root (/proc)
     * @param udevData udev's database directory (/run/udev/data), or null
     */
    public static String key(DeviceInfo d, Path sys, Path proc, Path udevData) {
        String name = d.blockDevice();
        switch (d.kind()) {
            case LOOP:
                return d.backing().isEmpty() ? null : "loop:" + d.backing();
            case NBD:
                return name == null ? null : nbdKey(sys.resolve("block").resolve(name), proc, name);
            case FUSE:
            case NETWORK_FS:
                return d.mountPoints().isEmpty() ? null : "fs:" + d.fsType() + ":" + d.mountPoints().get(0);
            default:
                if (name == null) {
                    return null;
                }
                Path dir = sys.resolve("block").resolve(name);
                String wwid = firstNonEmpty(read(dir.resolve("wwid")), read(dir.resolve("device/wwid")));
                if (wwid != null) {
                    return "wwid:" + wwid;
                }
                String serial = udevSerial(udevData, d.bdi());
                if (serial == null) { // virtio-blk and nvme say it in sysfs; udev may not run
                    serial = firstNonEmpty(read(dir.resolve("serial")), read(dir.resolve("device/serial")));
                }
                return serial != null ? "serial:" + serial : null;
        }
    }

    private static String nbdKey(Path dir, Path proc, String name) {
        String backend = read(dir.resolve("backend"));
        if (backend != null) {
            return "nbd:" + backend;
        }
        String pid = read(dir.resolve("pid"));
        if (pid == null || !pid.chars().allMatch(Character::isDigit)) {
            return null;
        }
        try {
            byte[] raw = Files.readAllBytes(proc.resolve(pid).resolve("cmdline"));
            StringBuilder args = new StringBuilder();
            String[] parts = new String(raw, StandardCharsets.UTF_8).split("\0");
            for (int i = 1; i < parts.length; i++) { // not argv[0]: the same client by another path
                if (parts[i].equals("/dev/" + name) || parts[i].equals(name)) {
                    continue; // the device it is attached to is not the export
                }
                args.append(args.length() == 0 ? "" : " ").append(parts[i]);
            }
            return args.length() == 0 ? null : "nbd:" + args;
        } catch (IOException e) {
            return null; // the client exited (netlink) or is not ours to read
        }
    }

    /** ID_SERIAL (or ID_WWN) from udev's database record of the block device MAJ:MIN. */
    private static String udevSerial(Path udevData, String majMin) {
        if (udevData == null || !majMin.matches("\\d+:\\d+")) {
            return null;
        }
        try {
            String wwn = null;
            for (String line : Files.readAllLines(udevData.resolve("b" + majMin), StandardCharsets.UTF_8)) {
                if (line.startsWith("E:ID_SERIAL=") && line.length() > 12) {
                    return line.substring(12);
                }
                if (line.startsWith("E:ID_WWN=") && line.length() > 9) {
                    wwn = line.substring(9);
                }
            }
            return wwn;
        } catch (IOException e) {
            return null;
        }
    }

    private static String read(Path p) {
        try {
            String s = Files.readString(p, StandardCharsets.UTF_8).trim();
            return s.isEmpty() ? null : s;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String firstNonEmpty(String a, String b) {
        return a != null ? a : b;
    }
}
