package wbgov.governor.discover;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Finds every bdi and what it is, from sysfs and mountinfo, and builds a {@link DeviceTable}.
 *
 * <p>Why each source: {@code /sys/class/bdi} lists what can be governed; {@code /sys/block/X/bdi}
 * maps a block device to its bdi; the resolved sysfs path of {@code /sys/block/X} names the bus
 * (usb, nvme, ata …); {@code /sys/block/loopN/loop/backing_file} and mountinfo give a loop
 * device's chain (a loop over a file on a FUSE mount drains at the FUSE server's speed);
 * mountinfo's MAJ:MIN column identifies anonymous bdis ({@code 0:N}: FUSE, NFS …).
 *
 * <p>The sysfs and proc roots are parameters so tests can scan a fake tree. A scan costs a few
 * hundred small sysfs reads (about a millisecond): call it every few seconds through
 * {@link DeviceWatcher}, never per sampling tick.
 */
public final class DeviceScanner {
    /** Linux block majors with a fixed meaning. */
    static final int LOOP_MAJOR = 7;
    static final int NBD_MAJOR = 43;

    private static final Set<String> NETWORK_FS = Set.of(
            "nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "ceph", "glusterfs", "afs", "ncpfs");

    private final Path sysRoot;
    private final Path procRoot;
    private final HardwareIdentity identity;

    /**
     * @param sysRoot normally {@code /sys}
     * @param procRoot normally {@code /proc}
     * @param identity OSHI enrichment for vendor/model when sysfs has none; null for none
     */
    public DeviceScanner(Path sysRoot, Path procRoot, HardwareIdentity identity) {
        this.sysRoot = sysRoot;
        this.procRoot = procRoot;
        this.identity = identity;
    }

    /** The real system, with OSHI identity enrichment. */
    public static DeviceScanner system() {
        return new DeviceScanner(Path.of("/sys"), Path.of("/proc"), new HardwareIdentity());
    }

    /** Scans now. Devices that vanish mid-scan are left out, never an error. */
    public DeviceTable scan() throws IOException {
        Set<String> bdis = listNames(sysRoot.resolve("class/bdi"));
        Map<String, String> blockByBdi = blockDevicesByBdi();
        MountTable mounts = readMounts();

        Map<String, DeviceInfo> infos = new HashMap<>();
        Map<String, String> backingByBdi = new HashMap<>();
        for (String bdi : bdis) {
            String block = blockByBdi.get(bdi);
            DeviceInfo info = block != null ? blockDevice(bdi, block, mounts) : anonymous(bdi, mounts);
            if (info != null) {
                infos.put(bdi, info);
                if (!info.backing().isEmpty()) {
                    backingByBdi.put(bdi, info.backing());
                }
            }
        }
        List<DeviceInfo> out = new ArrayList<>();
        for (String bdi : bdis) {
            DeviceInfo d = infos.get(bdi);
            if (d == null) {
                continue;
            }
            List<String> chain = chainOf(bdi, backingByBdi, mounts, infos);
            if (!chain.isEmpty()) {
                d = new DeviceInfo(d.bdi(), d.blockDevice(), d.kind(), d.transport(), d.removable(), d.rotational(),
                        d.vendor(), d.model(), d.fsType(), d.mountPoints(), d.backing(), chain);
            }
            out.add(d);
        }
        return new DeviceTable(out);
    }

    private MountTable readMounts() {
        Path mi = procRoot.resolve("self/mountinfo");
        try {
            return MountTable.read(mi);
        } catch (IOException e) {
            return MountTable.parse("", mi.toString());
        }
    }

    /** bdi name → block device name, from /sys/block/X/bdi (or /sys/block/X/dev). */
    private Map<String, String> blockDevicesByBdi() throws IOException {
        Map<String, String> out = new HashMap<>();
        for (String name : listNames(sysRoot.resolve("block"))) {
            Path dir = sysRoot.resolve("block").resolve(name);
            String bdi = null;
            Path link = dir.resolve("bdi");
            if (Files.isSymbolicLink(link)) {
                bdi = Files.readSymbolicLink(link).getFileName().toString();
            } else {
                bdi = readTrim(dir.resolve("dev"));
            }
            if (bdi != null && !bdi.isEmpty()) {
                out.putIfAbsent(bdi, name);
            }
        }
        return out;
    }

    private DeviceInfo blockDevice(String bdi, String name, MountTable mounts) {
        Path dir = sysRoot.resolve("block").resolve(name);
        int major = majorOf(bdi);
        String devPath = devicePath(dir);
        String transport = transportOf(name, major, devPath);
        DeviceKind kind = kindOf(name, major, transport, Files.isDirectory(dir.resolve("device")));
        boolean removable = "1".equals(readTrim(dir.resolve("removable"))) || "usb".equals(transport);
        boolean rotational = "1".equals(readTrim(dir.resolve("queue/rotational")));
        String vendor = orEmpty(readTrim(dir.resolve("device/vendor")));
        String model = orEmpty(readTrim(dir.resolve("device/model")));
        if (model.isEmpty() && identity != null && kind != DeviceKind.LOOP && kind != DeviceKind.OTHER) {
            HardwareIdentity.Identity id = identity.lookup(name);
            model = id.model();
            if (vendor.isEmpty()) {
                vendor = id.vendor();
            }
        }
        String backing = major == LOOP_MAJOR ? orEmpty(readTrim(dir.resolve("loop/backing_file"))) : "";
        String devT = orEmpty(readTrim(dir.resolve("dev")));
        List<String> mountPoints = new ArrayList<>();
        String fsType = "";
        // the whole device and its partitions (sda1 …) share one bdi
        List<String> devTs = new ArrayList<>();
        devTs.add(devT.isEmpty() ? bdi : devT);
        devTs.addAll(partitionDevTs(dir));
        for (String d : devTs) {
            for (MountTable.Mount m : mounts.byMajMin(d)) {
                if (fsType.isEmpty()) {
                    fsType = m.fsType();
                }
                mountPoints.add(m.mountPoint());
            }
        }
        return new DeviceInfo(bdi, name, kind, transport, removable, rotational, vendor, model, fsType,
                mountPoints, backing, List.of());
    }

    /**
     * MAJ:MIN of each partition of a block device (subdirectories with a "partition" file). The
     * kernel names a partition after its disk (sda1, nvme0n1p1, loop0p1): only such entries are
     * checked, not the two dozen attribute files beside them (a rescan of 70 bdis made 1800
     * failed access() calls here).
     */
    private static List<String> partitionDevTs(Path blockDir) {
        List<String> out = new ArrayList<>();
        String disk = blockDir.getFileName().toString();
        DirectoryStream.Filter<Path> named = e -> e.getFileName().toString().startsWith(disk);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(blockDir, named)) {
            for (Path p : ds) {
                if (Files.exists(p.resolve("partition"))) {
                    String d = readTrim(p.resolve("dev"));
                    if (d != null && !d.isEmpty()) {
                        out.add(d);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // no partitions readable: whole-device mounts only
        }
        out.sort(null);
        return out;
    }

    private static DeviceInfo anonymous(String bdi, MountTable mounts) {
        List<MountTable.Mount> ms = mounts.byMajMin(bdi);
        DeviceKind kind = DeviceKind.OTHER;
        String transport = "unknown";
        String fsType = "";
        List<String> mountPoints = new ArrayList<>();
        for (MountTable.Mount m : ms) {
            mountPoints.add(m.mountPoint());
        }
        if (!ms.isEmpty()) {
            fsType = ms.get(0).fsType();
            String base = fsType.startsWith("fuse.") ? "fuse" : fsType;
            if (base.equals("fuse")) {
                kind = DeviceKind.FUSE;
                transport = "fuse";
            } else if (NETWORK_FS.contains(base)) {
                kind = DeviceKind.NETWORK_FS;
                transport = base.startsWith("nfs") ? "nfs" : base;
            }
        }
        return new DeviceInfo(bdi, null, kind, transport, false, false, "", "", fsType, mountPoints, "", List.of());
    }

    /**
     * The bdis a bdi's write-back flows into: for a loop device, the bdi of the mount holding its
     * backing file, then that bdi's own chain. Only bdis present in the table count (tmpfs has
     * none: a loop on tmpfs has an empty chain). Guarded against cycles.
     */
    private static List<String> chainOf(String bdi, Map<String, String> backingByBdi, MountTable mounts,
            Map<String, DeviceInfo> infos) {
        LinkedHashSet<String> chain = new LinkedHashSet<>();
        String current = bdi;
        while (true) {
            String backing = backingByBdi.get(current);
            if (backing == null) {
                break;
            }
            MountTable.Mount m = mounts.containing(stripDeleted(backing));
            if (m == null || !infos.containsKey(m.majMin()) || m.majMin().equals(bdi) || !chain.add(m.majMin())) {
                break;
            }
            current = m.majMin();
        }
        return List.copyOf(chain);
    }

    /** The kernel appends " (deleted)" to a backing file that was unlinked. */
    private static String stripDeleted(String path) {
        return path.endsWith(" (deleted)") ? path.substring(0, path.length() - 10) : path;
    }

    /**
     * Where {@code /sys/block/X} leads: it is one link to {@code ../devices/<bus path>/block/X}.
     * Resolving that one link gives what {@code toRealPath} gave, without its readlink on every
     * component of the path.
     */
    private static String devicePath(Path blockDir) {
        try {
            return blockDir.resolveSibling(Files.readSymbolicLink(blockDir)).normalize().toString();
        } catch (IOException | UnsupportedOperationException e) {
            return blockDir.toString(); // not a link (a directory in a fake tree)
        }
    }

    /** The bus a block device hangs off, from its resolved sysfs device path. */
    static String transportOf(String name, int major, String devPath) {
        if (major == LOOP_MAJOR) {
            return "loop";
        }
        if (major == NBD_MAJOR || name.startsWith("nbd")) {
            return "nbd";
        }
        if (devPath.contains("/usb")) {
            return "usb";
        }
        if (name.startsWith("nvme") || devPath.contains("/nvme")) {
            return "nvme";
        }
        if (devPath.contains("/mmc")) {
            return "mmc";
        }
        if (devPath.contains("/ata")) {
            return "sata";
        }
        if (devPath.contains("/virtio") && !devPath.contains("/host")) {
            return "virtio";
        }
        if (devPath.contains("/host") || devPath.contains("/target")) {
            return "scsi";
        }
        if (name.startsWith("dm-")) {
            return "dm";
        }
        if (name.startsWith("md")) {
            return "md";
        }
        if (devPath.contains("/virtual/")) {
            return "virtual";
        }
        return "unknown";
    }

    static DeviceKind kindOf(String name, int major, String transport, boolean hasDevice) {
        if (major == LOOP_MAJOR) {
            return DeviceKind.LOOP;
        }
        if (major == NBD_MAJOR || transport.equals("nbd")) {
            return DeviceKind.NBD;
        }
        if (transport.equals("nvme")) {
            return DeviceKind.NVME;
        }
        if (transport.equals("dm") || transport.equals("md")) {
            return DeviceKind.STACKED;
        }
        if (hasDevice || !transport.equals("virtual") && !transport.equals("unknown")) {
            return DeviceKind.DISK;
        }
        return DeviceKind.OTHER;
    }

    static int majorOf(String majMin) {
        int colon = majMin.indexOf(':');
        try {
            return Integer.parseInt(colon < 0 ? majMin : majMin.substring(0, colon));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static Set<String> listNames(Path dir) throws IOException {
        Set<String> out = new TreeSet<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                out.add(p.getFileName().toString());
            }
        }
        return out;
    }

    private static String readTrim(Path p) {
        try {
            return Files.readString(p).trim();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
