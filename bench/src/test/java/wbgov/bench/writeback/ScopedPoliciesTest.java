package wbgov.bench.writeback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wbgov.bench.rig.GovernorProcess;
import wbgov.governor.discover.DeviceInfo;
import wbgov.governor.discover.DeviceKind;
import wbgov.governor.policy.Policy;
import wbgov.governor.policy.PolicySet;

/** The scoped copies are the shipped policies, matching only the bench's devices. */
class ScopedPoliciesTest {
    @TempDir
    Path dir;

    private static DeviceInfo loop(String bdi, String name) {
        return new DeviceInfo(bdi, name, DeviceKind.LOOP, "loop", false, false, "", "", "", List.of(), "/tmp/x.img", List.of());
    }

    @Test
    void shippedPoliciesScopedToTheBenchDevices() throws Exception {
        Path shipped = GovernorProcess.defaultHome().resolve("policies");
        PolicySet all = PolicySet.load(shipped);
        PolicySet scoped = PolicySet.load(ScopedPolicies.write(shipped, dir, List.of("7:3", "0:61")));
        assertEquals(all.policies().size(), scoped.policies().size());
        Policy mine = scoped.match(loop("7:3", "loop3"));
        Policy shippedLoop = all.match(loop("7:3", "loop3"));
        assertEquals(shippedLoop.name(), mine.name());
        assertEquals(shippedLoop.floorBytes(), mine.floorBytes());
        assertEquals(shippedLoop.drainTargetNs(), mine.drainTargetNs());
        assertEquals(shippedLoop.strict(), mine.strict());
        assertNull(scoped.match(loop("7:9", "loop9")), "someone else's loop device must match no policy");
        String text = Files.readString(dir.resolve("loop.toml"));
        assertTrue(text.contains("[match]\nname = [\"7:3\", \"0:61\"]"), text);
    }
}
