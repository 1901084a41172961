package wbgov.governor.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wbgov.governor.discover.DeviceInfo;
import wbgov.governor.discover.DeviceKind;

class PolicySetTest {
    private static PolicySet shipped;

    /** The repository's policies/ directory, found from the module dir (or the root) upward. */
    static Path policiesDir() {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("policies/default.toml"))) {
                return d.resolve("policies");
            }
        }
        throw new IllegalStateException("no policies/ directory above " + dir);
    }

    @BeforeAll
    static void loadShipped() throws PolicyException {
        shipped = PolicySet.load(policiesDir());
    }

    private static DeviceInfo device(String bdi, String block, DeviceKind kind, String transport, boolean removable,
            boolean rotational, String fsType, List<String> mounts, String backing, List<String> chain) {
        return new DeviceInfo(bdi, block, kind, transport, removable, rotational, "", "", fsType, mounts, backing,
                chain);
    }

    private static final DeviceInfo USB_HDD = device("8:16", "sdb", DeviceKind.DISK, "usb", true, true, "ext4",
            List.of("/media/user/backup"), "", List.of());
    private static final DeviceInfo NVME = device("259:0", "nvme0n1", DeviceKind.NVME, "nvme", false, false, "ext4",
            List.of("/"), "", List.of());
    private static final DeviceInfo SATA_HDD = device("8:0", "sda", DeviceKind.DISK, "sata", false, true, "xfs",
            List.of("/data"), "", List.of());
    private static final DeviceInfo SATA_SSD = device("8:32", "sdc", DeviceKind.DISK, "sata", false, false, "ext4",
            List.of("/srv"), "", List.of());
    private static final DeviceInfo NBDFUSE = device("0:52", null, DeviceKind.FUSE, "fuse", false, false,
            "fuse.nbdfuse", List.of("/run/wbgov/nbd"), "", List.of());
    private static final DeviceInfo LOOP_ON_FUSE = device("7:0", "loop0", DeviceKind.LOOP, "loop", false, false,
            "ext4", List.of("/mnt/slow"), "/run/wbgov/nbd/nbd", List.of("0:52"));
    private static final DeviceInfo LOOP_ON_TMPFS = device("7:1", "loop1", DeviceKind.LOOP, "loop", false, false,
            "ext4", List.of("/mnt/fast"), "/dev/shm/fast.img", List.of());
    private static final DeviceInfo NBD = device("43:0", "nbd0", DeviceKind.NBD, "nbd", false, false, "ext4",
            List.of("/mnt/nbd"), "", List.of());
    private static final DeviceInfo NFS = device("0:60", null, DeviceKind.NETWORK_FS, "nfs", false, false, "nfs4",
            List.of("/home"), "", List.of());
    private static final DeviceInfo ODD = device("0:70", null, DeviceKind.OTHER, "unknown", false, false, "",
            List.of(), "", List.of());

    private static final Function<String, DeviceInfo> TABLE = Map.of("0:52", NBDFUSE)::get;

    @Test
    void everyShippedPolicyParses() {
        List<String> names = shipped.policies().stream().map(Policy::name).toList();
        assertEquals(List.of("nbd", "loop-remote", "fuse", "network-fs", "usb", "nvme", "loop", "rotational", "ssd",
                "default"), names);
        for (Policy p : shipped.policies()) {
            assertTrue(p.floorBytes() >= Policy.ABSOLUTE_MIN_FLOOR_BYTES, p.name());
            assertTrue(p.source().endsWith(".toml"), p.source());
        }
    }

    @Test
    void usbRotationalDiskIsUsbFirst() {
        PolicyMatch m = shipped.explain(USB_HDD, TABLE);
        assertEquals("usb", m.policy().name());
        assertEquals(List.of("removable = true"), m.reasons());
        assertEquals(List.of("rotational", "default"), m.alsoMatched().stream().map(c -> c.policy().name()).toList());
        assertEquals("lower priority 30 < 60", m.alsoMatched().get(0).why());
        assertTrue(m.policy().strict());
    }

    @Test
    void nvme() {
        PolicyMatch m = shipped.explain(NVME, TABLE);
        assertEquals("nvme", m.policy().name());
        assertEquals(List.of("kind nvme in [nvme]"), m.reasons());
        assertEquals(List.of("default"), m.alsoMatched().stream().map(c -> c.policy().name()).toList());
        assertFalse(m.policy().strict());
    }

    @Test
    void loopOnFuseIsRemoteLoopOnFuseItselfIsFuse() {
        PolicyMatch m = shipped.explain(LOOP_ON_FUSE, TABLE);
        assertEquals("loop-remote", m.policy().name());
        assertEquals(List.of("kind loop in [loop]", "chain link fuse 0:52 is of kind in [fuse, nbd, network_fs]"),
                m.reasons());
        assertEquals(List.of("loop", "default"), m.alsoMatched().stream().map(c -> c.policy().name()).toList());
        assertEquals("fuse", shipped.match(NBDFUSE, TABLE).name());
        // without knowledge of the chain it is a plain loop device
        assertEquals("loop", shipped.match(LOOP_ON_FUSE).name());
        assertEquals("loop", shipped.match(LOOP_ON_TMPFS, TABLE).name());
    }

    @Test
    void otherClasses() {
        assertEquals("nbd", shipped.match(NBD, TABLE).name());
        assertEquals("rotational", shipped.match(SATA_HDD, TABLE).name());
        assertEquals("ssd", shipped.match(SATA_SSD, TABLE).name());
        assertEquals("network-fs", shipped.match(NFS, TABLE).name());
        PolicyMatch odd = shipped.explain(ODD, TABLE);
        assertEquals("default", odd.policy().name());
        assertEquals(List.of("no match keys: matches every device"), odd.reasons());
        assertEquals(9, odd.rejected().size());
    }

    @Test
    void explainTextNamesWinnerLosersAndRejections() {
        String text = shipped.explain(NBD, TABLE).describe();
        assertTrue(text.startsWith("nbd0 (43:0): policy nbd (priority 80, "), text);
        assertTrue(text.contains("because kind nbd in [nbd]"), text);
        assertTrue(text.contains("limits: drain_target 2s, backlog_target 125ms, floor 1M, ceiling 1G, initial 4M, strict"), text);
        assertTrue(text.contains("also matched default (priority 0"), text);
        assertTrue(text.contains("not usb (priority 60"), text);
        assertTrue(text.contains("removable is false, not true"), text);
    }

    @Test
    void tiesBrokenBySpecificityThenName() {
        Policy broad = Policy.builder("broad").priority(10).kinds(List.of(DeviceKind.DISK)).build();
        Policy narrow = Policy.builder("narrow").priority(10).kinds(List.of(DeviceKind.DISK)).rotational(true).build();
        Policy twin = Policy.builder("a-twin").priority(10).kinds(List.of(DeviceKind.DISK)).build();
        PolicySet set = PolicySet.of(List.of(broad, twin, narrow));
        PolicyMatch m = set.explain(SATA_HDD);
        assertEquals("narrow", m.policy().name());
        assertEquals("same priority 10, fewer match keys (1 < 2)", m.alsoMatched().get(0).why());
        assertEquals("a-twin", m.alsoMatched().get(0).policy().name());
        PolicyMatch ssd = set.explain(SATA_SSD);
        assertEquals("a-twin", ssd.policy().name());
        assertEquals("same priority and match keys; 'a-twin' wins by name order", ssd.alsoMatched().get(0).why());
    }

    @Test
    void noMatchMeansNotGoverned() {
        PolicySet set = PolicySet.of(List.of(Policy.builder("n").kinds(List.of(DeviceKind.NBD)).build()));
        PolicyMatch m = set.explain(NVME);
        assertNull(m.policy());
        assertFalse(m.governed());
        assertTrue(m.describe().contains("no policy matched; not governed"));
    }

    @Test
    void aBadFileFailsTheWholeLoadWithAllErrors(@TempDir Path dir) throws IOException {
        Files.copy(policiesDir().resolve("nbd.toml"), dir.resolve("a-good.toml"));
        Files.writeString(dir.resolve("b-bad.toml"), "[policy]\nname = \"b\"\npriority = 1\n[limits]\nfloor = \"x\"\n");
        Files.writeString(dir.resolve("c-bad.toml"), "[polcy]\n");
        Files.writeString(dir.resolve("d-dup.toml"), "[policy]\nname = \"nbd\"\npriority = 3\n");
        Files.writeString(dir.resolve("notes.txt"), "ignored");
        PolicyException e = assertThrows(PolicyException.class, () -> PolicySet.load(dir));
        List<String> lines = List.of(e.getMessage().split("\n"));
        assertEquals(4, lines.size(), e.getMessage());
        assertTrue(lines.get(0).startsWith(dir.resolve("b-bad.toml") + ":5: floor: expected a size"), lines.get(0));
        assertTrue(lines.get(1).startsWith(dir.resolve("c-bad.toml") + ":1: unknown section [polcy]"), lines.get(1));
        assertTrue(lines.get(2).startsWith(dir.resolve("c-bad.toml") + ":1: missing [policy]"), lines.get(2));
        assertTrue(lines.get(3).contains("policy name 'nbd' is already used by"), lines.get(3));
    }

    @Test
    void unreadableFileIsReportedByName(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("gone.toml");
        PolicyException e = assertThrows(PolicyException.class, () -> PolicySet.load(List.of(missing)));
        assertEquals(1, e.errors().size());
        assertTrue(e.errors().get(0).toString().startsWith(missing + ": cannot read"), e.getMessage());
    }

    @Test
    void emptyDirectoryIsAnError(@TempDir Path dir) {
        PolicyException e = assertThrows(PolicyException.class, () -> PolicySet.load(dir));
        assertTrue(e.getMessage().contains("no *.toml policy files"));
    }
}
