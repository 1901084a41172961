package wbgov.governor.discover;

/** What a bdi is, as far as policies care. */
public enum DeviceKind {
    /** A kernel NBD client device, /dev/nbdX (bdi 43:N). */
    NBD,
    /** A loop device (7:N); its speed is that of what backs it. */
    LOOP,
    /** A FUSE file system (anonymous bdi 0:N with a fuse mount). */
    FUSE,
    /** A network file system (nfs, cifs/smb3, 9p, ceph …): anonymous bdi with such a mount. */
    NETWORK_FS,
    /** NVMe namespace. */
    NVME,
    /** Any other whole block device: SCSI/SATA/USB/virtio/mmc … */
    DISK,
    /** Device-mapper or MD stacked device. */
    STACKED,
    /** Anything else (anonymous bdis without a known mount, tmpfs-less pseudo devices). */
    OTHER
}
