package wbgov.bench.nbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FioJsonTest {
    private static String refused(String text) {
        return assertThrows(IllegalArgumentException.class, () -> FioJson.parse(text)).getMessage();
    }

    @Test
    void readsEveryKindOfValueInFileOrder() {
        Map<String, Object> m = FioJson.parse("{\"b\" : 1, \"a\" : [true, false, null, -0.5e+2, \"x\"], \"o\" : {}, \"e\" : []}");
        assertEquals(List.of("b", "a", "o", "e"), List.copyOf(m.keySet()));
        assertEquals(1.0, m.get("b"));
        List<?> a = (List<?>) m.get("a");
        assertEquals(true, a.get(0));
        assertEquals(false, a.get(1));
        assertNull(a.get(2));
        assertEquals(-50.0, a.get(3));
        assertEquals("x", a.get(4));
        assertEquals(Map.of(), m.get("o"));
        assertEquals(List.of(), m.get("e"));
    }

    @Test
    void stringEscapesAreDecoded() {
        assertEquals("a\"b\\c/d\te\u00e9\n", FioJson.parse("{\"s\" : \"a\\\"b\\\\c\\/d\\te\\u00e9\\n\"}").get("s"));
    }

    @Test
    void whatFiosWriterLeavesOfJsonIsRead() {
        // Diagnostics before the document (axboe/fio#731), and after it.
        Map<String, Object> m = FioJson.parse("fio: pid=4896, err=5/file:ioengines.c:351, func=td_io_queue\n"
                + "note: {not json}\n{\n  \"v\" : 2\n}\nfio: more after the document\n");
        assertEquals(Map.of("v", 2.0), m);
        // printf("%f") of a NaN or an infinity; a control character fio does not escape.
        Map<String, Object> n = FioJson.parse("{\"a\" : nan, \"b\" : -nan, \"c\" : inf, \"d\" : -inf, \"s\" : \"x\ty\"}");
        assertTrue(Double.isNaN((Double) n.get("a")));
        assertTrue(Double.isNaN((Double) n.get("b")));
        assertEquals(Double.POSITIVE_INFINITY, n.get("c"));
        assertEquals(Double.NEGATIVE_INFINITY, n.get("d"));
        assertEquals("x\ty", n.get("s"));
    }

    @Test
    void anythingElseThatIsNotJsonIsRefusedWithItsLineAndColumn() {
        assertEquals("no JSON object: no line starts with '{'", refused("fio: failed\n  {\"a\" : 1}"));
        assertEquals("not JSON at line 2, column 3: ',' or '}' expected", refused("{\"a\" : 1\n  \"b\" : 2}"));
        assertEquals("not JSON at line 1, column 2: a member name in quotes expected", refused("{a : 1}"));
        assertEquals("not JSON at line 1, column 8: a value expected", refused("{\"a\" : yes}"));
        assertEquals("not JSON at line 1, column 11: ',' or ']' expected", refused("{\"a\" : [1 2]}"));
        assertTrue(refused("{\"a\" : \"open").endsWith("unterminated string"));
        assertTrue(refused("{\"a\" : \"\\x\"}").endsWith("bad escape \\x"));
        assertTrue(refused("{\"a\" : \"\\u12\"}").endsWith("\\u needs four hex digits"));
        assertTrue(refused("{\"a\" : 1.}").endsWith("digits expected after '.'"));
        assertTrue(refused("{\"a\" : 1e}").endsWith("digits expected in the exponent"));
        assertTrue(refused("{\"a\" : -}").endsWith("a value expected"));
        assertTrue(refused("{\"a\" : 1").endsWith("',' or '}' expected"));
        assertTrue(refused("{\"a\" : ").endsWith("a value expected, found the end"));
    }
}
