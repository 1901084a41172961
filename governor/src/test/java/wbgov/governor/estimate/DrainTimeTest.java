package wbgov.governor.estimate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class DrainTimeTest {
    @Test
    void divides() {
        assertEquals(2.0, DrainTime.seconds(4L << 20, 2L << 20));
        assertEquals(2_000_000_000L, DrainTime.nanos(4L << 20, 2L << 20));
    }

    @Test
    void guardsEveryDivision() {
        assertEquals(0.0, DrainTime.seconds(0, 0));
        assertEquals(0.0, DrainTime.seconds(-1, 5));
        assertEquals(Double.POSITIVE_INFINITY, DrainTime.seconds(1, 0));
        assertEquals(Double.POSITIVE_INFINITY, DrainTime.seconds(1, 0.5));
        assertEquals(Double.POSITIVE_INFINITY, DrainTime.seconds(1, Double.NaN));
        assertEquals(Double.POSITIVE_INFINITY, DrainTime.seconds(1, -3));
        assertEquals(Long.MAX_VALUE, DrainTime.nanos(1, 0));
        assertEquals(Long.MAX_VALUE, DrainTime.nanos(Long.MAX_VALUE, 1));
    }

    @Test
    void heldCountsUnknownAsZero() {
        assertEquals(3, DrainTime.heldBytes(1, 2));
        assertEquals(2, DrainTime.heldBytes(-1, 2));
        assertEquals(0, DrainTime.heldBytes(-1, -1));
    }
}
