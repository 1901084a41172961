package wbgov.bench.nbd;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small JSON reader for fio's {@code --output-format=json} files (the bench module has no JSON
 * library, and this is all it needs). Values come back as {@code Map<String, Object>} (in file
 * order), {@code List<Object>}, {@code String}, {@code Double}, {@code Boolean} or null.
 *
 * <p>Strict JSON, except where fio's writer (json.c) is known to leave it, and only there:
 * <ul>
 * <li>fio's diagnostics can share the output file (axboe/fio#731: "fio: pid=…, err=5/…" lines
 * before the document): the document is the first line that starts with "{", through its
 * closing brace; lines around it are not read.
 * <li>fio prints floats with {@code printf("%f")}: {@code nan}, {@code -nan}, {@code inf} and
 * {@code -inf} are read as the doubles they stand for.
 * <li>fio escapes only {@code "} and {@code \} in strings: other control characters are taken as
 * they are.
 * </ul>
 * Anything else that is not JSON (a missing comma, a bare word, an unclosed string…) is an
 * {@link IllegalArgumentException} naming the line and column.
 */
public final class FioJson {
    private final String text;
    private int at;

    private FioJson(String text, int at) {
        this.text = text;
        this.at = at;
    }

    /** The document in {@code text}: the object starting at its first line that starts with "{". */
    public static Map<String, Object> parse(String text) {
        int start = text.startsWith("{") ? 0 : text.indexOf("\n{");
        if (start < 0) {
            throw new IllegalArgumentException("no JSON object: no line starts with '{'");
        }
        return new FioJson(text, start).object();
    }

    private Object value() {
        blanks();
        if (at >= text.length()) {
            throw error("a value expected, found the end");
        }
        char c = text.charAt(at);
        return switch (c) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> string();
            case 't' -> word("true", Boolean.TRUE);
            case 'f' -> word("false", Boolean.FALSE);
            case 'n' -> text.startsWith("nan", at) ? word("nan", Double.NaN) : word("null", null);
            case 'i' -> word("inf", Double.POSITIVE_INFINITY);
            default -> number();
        };
    }

    private Map<String, Object> object() {
        expect('{');
        Map<String, Object> m = new LinkedHashMap<>();
        if (peek() == '}') {
            at++;
            return m;
        }
        do {
            blanks();
            if (peek() != '"') {
                throw error("a member name in quotes expected");
            }
            String key = string();
            expect(':');
            m.put(key, value());
        } while (comma('}'));
        return m;
    }

    private List<Object> array() {
        expect('[');
        List<Object> l = new ArrayList<>();
        if (peek() == ']') {
            at++;
            return l;
        }
        do {
            l.add(value());
        } while (comma(']'));
        return l;
    }

    /** After a member or element: true on ",", false on {@code close}, else an error. */
    private boolean comma(char close) {
        char c = peek();
        at++;
        if (c == ',') {
            return true;
        }
        if (c == close) {
            return false;
        }
        at--;
        throw error("',' or '" + close + "' expected");
    }

    private String string() {
        expect('"');
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (at >= text.length()) {
                throw error("unterminated string");
            }
            char c = text.charAt(at++);
            if (c == '"') {
                return sb.toString();
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            char e = at < text.length() ? text.charAt(at++) : '?';
            switch (e) {
                case '"', '\\', '/' -> sb.append(e);
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    if (at + 4 > text.length() || !text.substring(at, at + 4).matches("[0-9a-fA-F]{4}")) {
                        throw error("\\u needs four hex digits");
                    }
                    sb.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
                    at += 4;
                }
                default -> {
                    at--;
                    throw error("bad escape \\" + e);
                }
            }
        }
    }

    private Double number() {
        int start = at;
        if (peekRaw() == '-') {
            at++;
            if (text.startsWith("nan", at)) {
                return word("nan", Double.NaN);
            }
            if (text.startsWith("inf", at)) {
                return word("inf", Double.NEGATIVE_INFINITY);
            }
        }
        if (peekRaw() == '0') {
            at++;
        } else if (!digits()) {
            at = start;
            throw error("a value expected");
        }
        if (peekRaw() == '.') {
            at++;
            if (!digits()) {
                throw error("digits expected after '.'");
            }
        }
        if (peekRaw() == 'e' || peekRaw() == 'E') {
            at++;
            if (peekRaw() == '+' || peekRaw() == '-') {
                at++;
            }
            if (!digits()) {
                throw error("digits expected in the exponent");
            }
        }
        return Double.parseDouble(text.substring(start, at));
    }

    private boolean digits() {
        int start = at;
        while (at < text.length() && text.charAt(at) >= '0' && text.charAt(at) <= '9') {
            at++;
        }
        return at > start;
    }

    private <T> T word(String w, T value) {
        if (!text.startsWith(w, at)) {
            throw error("a value expected");
        }
        at += w.length();
        return value;
    }

    private void expect(char c) {
        if (peek() != c) {
            throw error("'" + c + "' expected");
        }
        at++;
    }

    /** The next character after blanks; NUL at the end. */
    private char peek() {
        blanks();
        return peekRaw();
    }

    private char peekRaw() {
        return at < text.length() ? text.charAt(at) : '\0';
    }

    private void blanks() {
        while (at < text.length() && " \t\r\n".indexOf(text.charAt(at)) >= 0) {
            at++;
        }
    }

    private IllegalArgumentException error(String what) {
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < at && i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return new IllegalArgumentException("not JSON at line " + line + ", column " + (at - lineStart + 1) + ": " + what);
    }
}
