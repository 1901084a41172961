package wbgov.governor.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class StatusViewTest {
    @Test
    void jsonStringsEscapeQuotesBackslashesAndControlCharacters() {
        // A policy named with a tab once made the status JSON unreadable for jq.
        assertEquals("tab\\u0009name", StatusView.esc("tab\tname"));
        assertEquals("a\\\"b\\\\c\\u000a", StatusView.esc("a\"b\\c\n"));
        assertEquals("sdb (8:16) ü", StatusView.esc("sdb (8:16) ü"));
    }
}
