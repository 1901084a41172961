package wbgov.governor.discover;

import java.util.List;

/**
 * One bdi and what it is: the facts policies match on. Built by discovery off the hot path;
 * immutable.
 *
 * @param bdi the bdi's name under /sys/class/bdi ("7:0", "0:52", "259:0")
 * @param blockDevice kernel name of the block device ("loop0", "nvme0n1", "sda"), or null for
 *     an anonymous bdi (FUSE, NFS)
 * @param kind what it is
 * @param transport "usb", "nvme", "sata", "scsi", "virtio", "mmc", "nbd", "fuse", "nfs", "loop"
 *     …; "unknown" when not known
 * @param removable the kernel's removable flag (/sys/block/X/removable), or USB transport
 * @param rotational /sys/block/X/queue/rotational
 * @param vendor hardware vendor, "" when unknown
 * @param model hardware model, "" when unknown
 * @param fsType file system type of the mount for anonymous bdis ("fuse.nbdfuse", "nfs4") or
 *     of the first mount of the block device, "" when not mounted
 * @param mountPoints where the device (or the anonymous bdi) is mounted
 * @param backing for a loop device, its backing file path; "" otherwise
 * @param chain the bdis this one's write-back flows into, nearest first (a loop over a file on
 *     a FUSE mount: ["0:52"]); its real speed is that of the slowest link
 */
public record DeviceInfo(
        String bdi,
        String blockDevice,
        DeviceKind kind,
        String transport,
        boolean removable,
        boolean rotational,
        String vendor,
        String model,
        String fsType,
        List<String> mountPoints,
        String backing,
        List<String> chain) {

    public DeviceInfo {
        mountPoints = List.copyOf(mountPoints);
        chain = List.copyOf(chain);
    }

    /** A loop device with nothing attached: it cannot be written, its counters cannot move. */
    public boolean unattachedLoop() {
        return kind == DeviceKind.LOOP && backing.isEmpty();
    }

    /** A short human label: "loop0 (7:0)" or "fuse 0:52". */
    public String label() {
        return blockDevice != null ? blockDevice + " (" + bdi + ")" : kind.name().toLowerCase() + " " + bdi;
    }
}
