package wbgov.governor.discover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import org.junit.jupiter.api.Test;

/** OSHI enrichment never throws, and unknown names give no identity. */
class HardwareIdentityTest {
    @Test
    void failureTolerant() {
        HardwareIdentity id = new HardwareIdentity();
        assertEquals(HardwareIdentity.Identity.NONE, id.lookup("no-such-disk"));
        assertNotNull(id.lookup("vda"));
        assertNotNull(id.lookup("sda"));
    }
}
