package wbgov.governor.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import wbgov.governor.discover.DeviceInfo;
import wbgov.governor.discover.DeviceKind;

/** Each match key of the table, held and not held, with its explain line to the letter. */
class PolicyMatcherTest {
    private static final DeviceInfo FUSE = new DeviceInfo("0:52", null, DeviceKind.FUSE, "fuse", false, false, "", "",
            "fuse.nbdfuse", List.of("/run/x"), "", List.of());
    private static final DeviceInfo LOOP = new DeviceInfo("7:0", "loop0", DeviceKind.LOOP, "loop", true, false,
            "Ven", "Mod", "ext4", List.of("/a", "/media/b"), "/run/x/img", List.of("0:99", "0:52"));
    private static final Function<String, DeviceInfo> CHAIN = Map.of("0:52", FUSE)::get;

    /** The outcome and the why lines of one key with a value on LOOP. */
    private static String check(PolicyKey k, Object value) {
        Policy.Builder b = Policy.builder("x").set(k, value);
        List<String> why = new ArrayList<>();
        boolean hit = b.build().matches(LOOP, CHAIN, why);
        return hit + " " + why;
    }

    @Test
    void kind() {
        assertEquals("true [kind loop in [nbd, loop]]", check(PolicyKey.KIND, List.of(DeviceKind.NBD, DeviceKind.LOOP)));
        assertEquals("false [kind loop not in [network_fs]]", check(PolicyKey.KIND, List.of(DeviceKind.NETWORK_FS)));
    }

    @Test
    void transport() {
        assertEquals("true [transport loop in [usb, loop]]", check(PolicyKey.TRANSPORT, List.of("usb", "loop")));
        assertEquals("false [transport loop not in [usb]]", check(PolicyKey.TRANSPORT, List.of("usb")));
    }

    @Test
    void flags() {
        assertEquals("true [removable = true]", check(PolicyKey.REMOVABLE, true));
        assertEquals("false [removable is true, not false]", check(PolicyKey.REMOVABLE, false));
        assertEquals("true [rotational = false]", check(PolicyKey.ROTATIONAL, false));
        assertEquals("false [rotational is false, not true]", check(PolicyKey.ROTATIONAL, true));
        assertEquals("true [no match keys: matches every device]", check(PolicyKey.ROTATIONAL, null));
    }

    @Test
    void nameOnBdiThenBlockDevice() {
        assertEquals("true [name loop0 (7:0) matches \"7:*\"]", check(PolicyKey.DEVICE_NAME, List.of("loop*", "7:*")));
        assertEquals("true [name loop0 (7:0) matches \"loop?\"]", check(PolicyKey.DEVICE_NAME, List.of("loop?")));
        assertEquals("false [name loop0 (7:0) matches none of [sd*]]", check(PolicyKey.DEVICE_NAME, List.of("sd*")));
    }

    @Test
    void mountOnAnyMountPoint() {
        assertEquals("true [mount /media/b matches \"/media/*\"]", check(PolicyKey.MOUNT, List.of("/media/*")));
        assertEquals("false [mounts [/a, /media/b] match none of [/srv]]", check(PolicyKey.MOUNT, List.of("/srv")));
    }

    @Test
    void stringFields() {
        assertEquals("true [fstype ext4 matches \"ext*\"]", check(PolicyKey.FSTYPE, List.of("xfs", "ext*")));
        assertEquals("false [fstype \"ext4\" matches none of [xfs]]", check(PolicyKey.FSTYPE, List.of("xfs")));
        assertEquals("true [vendor Ven matches \"V*\"]", check(PolicyKey.VENDOR, List.of("V*")));
        assertEquals("false [vendor \"Ven\" matches none of [X]]", check(PolicyKey.VENDOR, List.of("X")));
        assertEquals("true [model Mod matches \"Mod\"]", check(PolicyKey.MODEL, List.of("Mod")));
        assertEquals("false [model \"Mod\" matches none of [mod]]", check(PolicyKey.MODEL, List.of("mod")));
    }

    @Test
    void chainKindLooksUpEachLinkSkippingUnknownOnes() {
        assertEquals("true [chain link fuse 0:52 is of kind in [nbd, fuse]]",
                check(PolicyKey.CHAIN_KIND, List.of(DeviceKind.NBD, DeviceKind.FUSE)));
        assertEquals("false [no link of chain [0:99, 0:52] is of kind [nbd]]",
                check(PolicyKey.CHAIN_KIND, List.of(DeviceKind.NBD)));
    }

    @Test
    void keysAreTestedInTableOrderAndTheFirstFailureEnds() {
        Policy p = Policy.builder("x").kinds(List.of(DeviceKind.LOOP)).removable(false).fsTypes(List.of("xfs")).build();
        List<String> why = new ArrayList<>();
        assertEquals(false, p.matches(LOOP, CHAIN, why));
        assertEquals(List.of("kind loop in [loop]", "removable is true, not false"), why);
        assertEquals(3, p.matchKeyCount());
    }
}
