package wbgov.governor.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * policies/README.md's key reference is what {@link PolicyKey} generates. After changing the
 * table, regenerate it with
 * {@code mvn -o -q -pl governor -am test -Dtest=PolicyKeyReferenceTest -Dsurefire.failIfNoSpecifiedTests=false -Dwbgov.writeReadme=true}.
 */
class PolicyKeyReferenceTest {
    @Test
    void readmeSectionIsGeneratedFromTheTable() throws Exception {
        Path readme = PolicySetTest.policiesDir().resolve("README.md");
        String text = Files.readString(readme, StandardCharsets.UTF_8);
        String want = PolicyKeyReference.updateReadme(text);
        if (Boolean.getBoolean("wbgov.writeReadme") && !want.equals(text)) {
            Files.writeString(readme, want, StandardCharsets.UTF_8);
            text = want;
        }
        assertEquals(want, text, "policies/README.md's key reference is out of date; regenerate it with "
                + "-Dwbgov.writeReadme=true (see this test's doc)");
    }

    @Test
    void rowsSayDefaultsAndRanges() {
        String md = PolicyKeyReference.markdown();
        assertEquals("| section | key | type | default | range | what it does |", md.lines().findFirst().orElseThrow());
        String drain = md.lines().filter(l -> l.contains("`drain_target`")).findFirst().orElseThrow();
        assertEquals("| [limits] | `drain_target` | duration | `\"2s\"` | 10ms..1h | the longest the device may need to "
                + "drain what it holds (the controller's set point) |", drain);
        assertEquals("duration, default = drain_target, 1ms..1h: what the device holds while its writers are throttled "
                + "on it; at most drain_target.", PolicyKeyReference.manEntries().get("[limits] backlog_target"));
        assertEquals("string, required: the policy's name, unique among the policies loaded.",
                PolicyKeyReference.manEntries().get("[policy] name"));
        assertEquals("any", PolicyKeyReference.defaultText(PolicyKey.REMOVABLE));
        assertEquals("false", PolicyKeyReference.defaultText(PolicyKey.STRICT));
        assertEquals("\"20ms\"", PolicyKeyReference.defaultText(PolicyKey.INFLIGHT_LATENCY));
    }
}
