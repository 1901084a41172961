package wbgov.bench.writeback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleUnaryOperator;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

class EventLabelsTest {
    /** 10 px per second from x = 50, a panel 500 px wide; 6 px per character. */
    private static final DoubleUnaryOperator X = t -> 50 + 10 * t;
    private static final ToDoubleFunction<String> WIDTH = s -> 6.0 * s.length();

    private static EventLabels.Layout layout(List<Recording.Event> events) {
        return EventLabels.layout(events, X, 50, 550, WIDTH, 12, 3);
    }

    @Test
    void eventsFarApartKeepTheirWordsInOneRow() {
        EventLabels.Layout l = layout(List.of(new Recording.Event(0, "rate / 10"), new Recording.Event(20, "rate x 10")));
        assertEquals(List.of("rate / 10", "rate x 10"), l.labels().stream().map(EventLabels.Label::text).toList());
        assertEquals(1, l.rows());
        assertTrue(l.key().isEmpty());
        assertEquals(51, l.labels().get(0).box().getMinX(), 1e-9, "right of its line");
    }

    @Test
    void closeEventsAreStaggeredIntoRowsWithoutOverlap() {
        // burst under wbgov: three events within 2.2 s (22 px), each label 100+ px wide.
        EventLabels.Layout l = layout(List.of(new Recording.Event(0, "warm-up burst"),
                new Recording.Event(2.10, "daemon restarted: a later run"), new Recording.Event(2.16, "slow writer starts"),
                new Recording.Event(12.2, "burst 1")));
        assertTrue(l.key().isEmpty(), "the words fit in three rows");
        assertEquals(3, l.rows());
        assertDisjointInside(l, 50, 550);
    }

    @Test
    void aLabelAtTheRightEdgeGoesLeftOfItsLine() {
        EventLabels.Layout l = layout(List.of(new Recording.Event(50, "slow writer stops")));
        assertEquals(550, l.labels().get(0).box().getMaxX() + 1, 1e-9);
        assertDisjointInside(l, 50, 550);
    }

    @Test
    void tooManyCloseEventsBecomeNumbersKeyedAndJoinedWhereEvenNumbersCrowd() {
        // contention: a start and a sync every 0.7 s, 0.15 s apart: 20 events in 7 s (70 px).
        List<Recording.Event> events = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            events.add(new Recording.Event(20 + 0.7 * i, "fast writer " + (i + 1) + " starts"));
            events.add(new Recording.Event(20.15 + 0.7 * i, "fast writer " + (i + 1) + " synced"));
        }
        EventLabels.Layout l = layout(events);
        assertEquals(20, l.key().size());
        assertEquals("1 fast writer 1 starts", l.key().get(0));
        assertEquals("20 fast writer 10 synced", l.key().get(19));
        assertTrue(l.rows() <= 3);
        assertDisjointInside(l, 50, 550);
        // Every event is named by exactly one label, in order: "1", "2–3", …
        int next = 1;
        for (EventLabels.Label label : l.labels()) {
            String[] range = label.text().split("–");
            assertEquals(next, Integer.parseInt(range[0]), label.text());
            next = Integer.parseInt(range[range.length - 1]) + 1;
        }
        assertEquals(21, next);
        assertTrue(l.labels().size() < 20, "some numbers had to be joined: " + l.labels().size());
    }

    @Test
    void noEventsNoLabels() {
        EventLabels.Layout l = layout(List.of());
        assertEquals(0, l.rows());
        assertTrue(l.labels().isEmpty());
    }

    /** No two boxes overlap (nor touch closer than the padding), and every box is inside the panel. */
    static void assertDisjointInside(EventLabels.Layout l, double left, double right) {
        List<EventLabels.Label> ls = l.labels();
        for (int i = 0; i < ls.size(); i++) {
            EventLabels.Label a = ls.get(i);
            assertTrue(a.box().getMinX() >= left && a.box().getMaxX() <= right, a + " outside " + left + ".." + right);
            for (int j = i + 1; j < ls.size(); j++) {
                EventLabels.Label b = ls.get(j);
                assertFalse(a.box().intersects(b.box()), a + " overlaps " + b);
                assertTrue(EventLabels.apart(a.box(), b.box()) >= EventLabels.PAD_PX, a + " touches " + b);
            }
        }
    }
}
