package wbgov.governor.policy;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The lexer of policy files: the subset of TOML that wbgov accepts ({@link #SUBSET}), turned
 * into positioned items (section headers and {@code key = value} entries, each with its line)
 * for the binder, {@link PolicyParser}. It knows no section or key names.
 *
 * <p>Accepted: {@code # comments}; {@code [section]} headers; {@code key = value} with a bare
 * key (letters, digits, '_' and '-'); values {@code "string"} (escapes \" \\ \n \t) or
 * {@code 'literal'}, {@code true}/{@code false}, integers ({@code 1_000} allowed), and arrays of
 * strings, which may span lines, hold comments and end with a comma. Refused, each with a message
 * that says so: dotted or quoted keys, arrays of tables, inline tables, floats, dates,
 * multi-line strings, nested arrays.
 *
 * <p>A syntax error in a value is not reported here but carried in the entry
 * ({@link Value#problem}): the binder reports it only for a key it knows, so an unknown key is
 * one error, not two. Errors that leave no entry (a bad line, a bad header) are reported here.
 */
final class PolicyLexer {
    /** Said with every refusal of TOML that wbgov does not accept. */
    static final String SUBSET = "wbgov accepts a subset of TOML: [section] headers, bare keys, \"strings\", "
            + "'literal strings', integers, true/false and arrays of strings (see policies/README.md)";
    /** How much of a value an error echoes; the rest is "…". */
    static final int ECHO_MAX = 80;

    /** A line of the file: a section header or an entry. */
    sealed interface Item permits Header, Entry {
        int line();
    }

    /** {@code [name]}; name is null after a malformed header (already reported): skip its keys. */
    record Header(int line, String name) implements Item {
    }

    /** {@code key = value} at its line. */
    record Entry(int line, String key, Value value) implements Item {
    }

    /**
     * A right-hand side: exactly one of string, bool, integer, strings is set, or else
     * {@code problem} says what is wrong with it at {@code problemLine}.
     *
     * @param raw the text as written (for "got …"; echo it through {@link #clip})
     */
    record Value(String string, Boolean bool, Long integer, List<String> strings, String raw, int problemLine,
            String problem) {
    }

    /** The items of a file, in order, and the errors that left no item. */
    record Lexed(List<Item> items, List<PolicyError> errors) {
    }

    private final String source;
    private final String[] lines;
    private final List<Item> items = new ArrayList<>();
    private final List<PolicyError> errors = new ArrayList<>();
    /** Index of the next line to read; an array spanning lines advances it. */
    private int next;

    private PolicyLexer(String source, String text) {
        this.source = source;
        this.lines = (text.startsWith("\uFEFF") ? text.substring(1) : text).split("\r?\n", -1);
    }

    static Lexed lex(String source, String text) {
        PolicyLexer lx = new PolicyLexer(source, text);
        while (lx.next < lx.lines.length) {
            int n = ++lx.next; // 1-based number of the line just taken
            lx.line(n, lx.lines[n - 1]);
        }
        return new Lexed(lx.items, lx.errors);
    }

    /**
     * Decodes a file's bytes as UTF-8; on a malformed byte adds an error at its line
     * ("not valid UTF-8") and returns null.
     */
    static String decode(String source, byte[] bytes, List<PolicyError> errors) {
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = dec.decode(in, out, true);
        if (!r.isError()) {
            r = dec.flush(out);
        }
        if (r.isError()) {
            int at = in.position();
            int line = 1;
            int lineStart = 0;
            for (int i = 0; i < at; i++) {
                if (bytes[i] == '\n') {
                    line++;
                    lineStart = i + 1;
                }
            }
            errors.add(new PolicyError(source, line, String.format("not valid UTF-8 (byte 0x%02x at column %d)",
                    bytes[at] & 0xff, at - lineStart + 1)));
            return null;
        }
        return out.flip().toString();
    }

    /**
     * A value as an error may echo it: control and format characters as {@code \\uXXXX}, at most
     * {@link #ECHO_MAX} characters, then "…". A hostile file cannot flood or drive the terminal.
     */
    static String clip(String s) {
        StringBuilder b = new StringBuilder();
        int shown = 0;
        for (int i = 0; i < s.length(); shown++) {
            if (shown == ECHO_MAX) {
                return b.append('…').toString();
            }
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            int type = Character.getType(c);
            if (type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR) {
                b.append(String.format("\\u%04x", c));
            } else {
                b.appendCodePoint(c);
            }
        }
        return b.toString();
    }

    private void error(int line, String message) {
        errors.add(new PolicyError(source, line, message));
    }

    private void line(int n, String raw) {
        String text = stripComment(raw);
        if (text == null) {
            error(n, raw.contains("\"\"\"") || raw.contains("'''")
                    ? "syntax: multi-line strings are not supported; " + SUBSET : "syntax: unterminated string");
            return;
        }
        text = text.trim();
        if (text.isEmpty()) {
            return;
        }
        if (text.startsWith("[")) {
            items.add(new Header(n, header(n, text)));
            return;
        }
        int eq = text.indexOf('=');
        if (eq < 0) {
            error(n, "syntax: expected 'key = value' or '[section]', got \"" + clip(text) + "\"");
            return;
        }
        String key = text.substring(0, eq).trim();
        if (!key.matches("[A-Za-z0-9_-]+")) {
            boolean quoted = key.startsWith("\"") || key.startsWith("'");
            boolean dotted = key.matches("[A-Za-z0-9_. -]+") && key.contains(".");
            error(n, quoted ? "syntax: quoted keys are not supported; " + SUBSET
                    : dotted ? "syntax: dotted keys (" + clip(key) + " = …) are not supported; " + SUBSET
                    : "syntax: bad key \"" + clip(key) + "\" (letters, digits, '_' and '-' only)");
            return;
        }
        String rhs = text.substring(eq + 1).trim();
        Value v = rhs.isEmpty() ? problem(n, rhs, key + ": missing value") : value(n, rhs);
        items.add(new Entry(n, key, v));
    }

    /** The section name of a header line, or null after reporting a malformed one. */
    private String header(int n, String text) {
        if (text.startsWith("[[")) {
            error(n, "syntax: arrays of tables ([[...]]) are not supported; " + SUBSET);
            return null;
        }
        if (!text.endsWith("]")) {
            error(n, "syntax: section header must end with ']'");
            return null;
        }
        String name = text.substring(1, text.length() - 1).trim();
        if (name.contains(".")) {
            error(n, "syntax: dotted section names ([" + clip(name) + "]) are not supported; " + SUBSET);
            return null;
        }
        return name;
    }

    private static Value problem(int line, String raw, String message) {
        return new Value(null, null, null, null, raw, line, message);
    }

    /** Parses a right-hand side; a bad one comes back with its problem. */
    private Value value(int n, String rhs) {
        if (rhs.equals("true") || rhs.equals("false")) {
            return new Value(null, rhs.equals("true"), null, null, rhs, 0, null);
        }
        if (rhs.startsWith("\"\"\"") || rhs.startsWith("'''")) {
            return problem(n, rhs, "syntax: multi-line strings are not supported; " + SUBSET);
        }
        if (rhs.startsWith("\"") || rhs.startsWith("'")) {
            int[] end = new int[1];
            String s = string(rhs, 0, end);
            if (s == null) {
                return problem(n, rhs, "syntax: bad string " + clip(rhs) + " (escapes: \\\" \\\\ \\n \\t)");
            }
            if (end[0] != rhs.length()) {
                return problem(n, rhs, "syntax: unexpected text after the string: \"" + clip(rhs.substring(end[0])) + "\"");
            }
            return new Value(s, null, null, null, rhs, 0, null);
        }
        if (rhs.startsWith("[")) {
            return array(n, rhs);
        }
        if (rhs.matches("[+-]?[0-9](_?[0-9])*")) {
            try {
                return new Value(null, null, Long.parseLong(rhs.replace("_", "")), null, rhs, 0, null);
            } catch (NumberFormatException e) {
                return problem(n, rhs, "integer out of range: " + clip(rhs));
            }
        }
        String what = rhs.startsWith("{") ? "inline tables are not supported"
                : rhs.matches("[+-]?([0-9_]+\\.[0-9_]*([eE][+-]?[0-9]+)?|inf|nan)") ? "floats are not supported"
                : rhs.matches("[0-9]{4}-[0-9]{2}-[0-9]{2}.*") ? "dates are not supported"
                : "unsupported value " + clip(rhs);
        return problem(n, rhs, "syntax: " + what + "; " + SUBSET);
    }

    /**
     * An array of strings from {@code rhs} (starting with '['), reading on into the next lines
     * until its ']'. A line that starts a new key or section before it ends the array with an
     * error at the array's first line and is then read as itself.
     */
    private Value array(int n, String rhs) {
        List<String> items = new ArrayList<>();
        StringBuilder raw = new StringBuilder(rhs);
        String text = rhs;
        int i = 1;
        int at = n;
        boolean expectItem = true;
        while (true) {
            for (; i < text.length(); i++) {
                char c = text.charAt(i);
                if (Character.isWhitespace(c)) {
                    continue;
                }
                if (c == ']') {
                    String rest = text.substring(i + 1).trim();
                    return rest.isEmpty() ? new Value(null, null, null, List.copyOf(items), raw.toString(), 0, null)
                            : problem(at, raw.toString(), "syntax: unexpected text after the array: \"" + clip(rest) + "\"");
                }
                if (expectItem && (c == '"' || c == '\'')) {
                    int[] end = new int[1];
                    String s = string(text, i, end);
                    if (s == null) {
                        skipRestOfArray();
                        return problem(at, raw.toString(), "syntax: bad string in array " + clip(text.trim()));
                    }
                    items.add(s);
                    i = end[0] - 1;
                    expectItem = false;
                } else if (!expectItem && c == ',') {
                    expectItem = true;
                } else {
                    skipRestOfArray();
                    return problem(at, raw.toString(), "syntax: arrays hold quoted strings separated by commas, got "
                            + clip(raw.toString()) + (c == '[' || c == '{' ? "; " + SUBSET : ""));
                }
            }
            String following = next < lines.length ? stripComment(lines[next]) : null;
            if (following == null || startsItem(following.trim())) {
                String where = next < lines.length ? "at line " + (next + 1) : "at the end of the file";
                return problem(n, raw.toString(), "syntax: an array must close with ']' before the next key or "
                        + "section; it is still open " + where);
            }
            text = following;
            at = ++next;
            raw.append(' ').append(following.trim());
            i = 0;
        }
    }

    /** Whether a line inside an array starts a key or a section instead. */
    private static boolean startsItem(String t) {
        return t.startsWith("[") || !t.isEmpty() && (Character.isLetterOrDigit(t.charAt(0)) || t.charAt(0) == '_')
                && t.contains("=");
    }

    /** After a bad item: skips the array's remaining lines, up to one ending with ']'. */
    private void skipRestOfArray() {
        while (next < lines.length) {
            String t = stripComment(lines[next]);
            if (t == null || startsItem(t.trim())) {
                return;
            }
            next++;
            if (t.trim().endsWith("]")) {
                return;
            }
        }
    }

    /** Reads a quoted string starting at {@code from}; sets end[0] past the closing quote. */
    private static String string(String s, int from, int[] end) {
        char q = s.charAt(from);
        StringBuilder out = new StringBuilder();
        for (int i = from + 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == q) {
                end[0] = i + 1;
                return out.toString();
            }
            if (c == '\\' && q == '"') {
                if (++i >= s.length()) {
                    return null;
                }
                switch (s.charAt(i)) {
                    case '"' -> out.append('"');
                    case '\\' -> out.append('\\');
                    case 'n' -> out.append('\n');
                    case 't' -> out.append('\t');
                    default -> {
                        return null;
                    }
                }
            } else {
                out.append(c);
            }
        }
        return null;
    }

    /** The line without its comment; null when a string is left open. */
    private static String stripComment(String line) {
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == '\\' && quote == '"') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '#') {
                return line.substring(0, i);
            }
        }
        return quote == 0 ? line : null;
    }
}
