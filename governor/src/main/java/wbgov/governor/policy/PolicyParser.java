package wbgov.governor.policy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import wbgov.governor.discover.DeviceKind;
import wbgov.nbd.units.Units;

/**
 * Reads one policy file: a strict subset of TOML an admin reads at sight.
 *
 * <pre>
 * # comment
 * [policy]                 name = "nbd"   priority = 80
 * [match]                  kind, transport, removable, rotational, name, mount, fstype,
 *                          vendor, model, chain_kind
 * [limits]                 govern, drain_target, backlog_target, floor, ceiling, initial,
 *                          strict, inflight_latency
 * </pre>
 *
 * Values: {@code "string"} or {@code 'literal'}, {@code true}/{@code false}, integers
 * ({@code 1_000} allowed), and one-line arrays of strings {@code ["a", "b"]}. A list key also
 * takes a single string. Sizes are strings with K/M/G suffixes or integers (bytes); durations are
 * strings with a unit. Anything else (tables of tables, floats, dates, multi-line arrays) is an
 * error, not silently ignored.
 *
 * <p>Why our own parser: the daemon is memory-bounded and loads policies once per start and
 * reload; a hundred lines of explicit code cost less than a TOML library and its reflection, and
 * every error can name its line and the form that was expected. The parser keeps going after an
 * error and reports them all.
 */
public final class PolicyParser {
    /** Section state after a bad header: its keys are skipped, the header error says enough. */
    private static final String SKIP = "?";
    private static final List<String> SECTIONS = List.of("policy", "match", "limits");
    private static final List<String> POLICY_KEYS = List.of("name", "priority");
    private static final List<String> MATCH_KEYS = List.of("kind", "transport", "removable", "rotational",
            "name", "mount", "fstype", "vendor", "model", "chain_kind");
    private static final List<String> LIMITS_KEYS = List.of("govern", "drain_target", "backlog_target",
            "floor", "ceiling", "initial", "strict", "inflight_latency");

    /**
     * The outcome of parsing one file.
     *
     * @param policy the policy, or null when there were errors
     * @param errors every error found, in line order
     */
    public record Result(Policy policy, List<PolicyError> errors) {
        public Result {
            errors = List.copyOf(errors);
        }

        public boolean ok() {
            return errors.isEmpty();
        }
    }

    private PolicyParser() {
    }

    /** Reads and parses a file; the file is named in errors as {@code file.toString()}. */
    public static Result parse(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return new Result(null, List.of(new PolicyError(file.toString(), 0, "cannot read: " + e.getMessage())));
        }
        return parse(file.toString(), text);
    }

    /** Parses policy text; {@code source} names it in errors. */
    public static Result parse(String source, String text) {
        return new Run(source).parse(text);
    }

    /** A parsed right-hand side: exactly one of the fields is set. */
    private record Value(String string, Boolean bool, Long integer, List<String> strings, String raw) {
        String describe() {
            return raw;
        }
    }

    /** State of one parse; collects values and errors, then builds. */
    private static final class Run {
        private final String source;
        private final List<PolicyError> errors = new ArrayList<>();
        private final Map<String, Integer> sectionLines = new HashMap<>();
        private final Map<String, Integer> keyLines = new HashMap<>();
        private final Map<String, Value> values = new HashMap<>();
        private String section;

        Run(String source) {
            this.source = source;
        }

        Result parse(String text) {
            String[] lines = text.split("\r?\n", -1);
            for (int i = 0; i < lines.length; i++) {
                line(i + 1, lines[i]);
            }
            Policy policy = build();
            errors.sort((a, b) -> Integer.compare(a.line(), b.line()));
            return new Result(errors.isEmpty() ? policy : null, errors);
        }

        private void error(int line, String message) {
            errors.add(new PolicyError(source, line, message));
        }

        private void line(int n, String raw) {
            String text = stripComment(raw);
            if (text == null) {
                error(n, "syntax: unterminated string");
                return;
            }
            text = text.trim();
            if (text.isEmpty()) {
                return;
            }
            if (text.startsWith("[")) {
                header(n, text);
                return;
            }
            int eq = text.indexOf('=');
            if (eq < 0) {
                error(n, "syntax: expected 'key = value' or '[section]', got \"" + text + "\"");
                return;
            }
            String key = text.substring(0, eq).trim();
            String rhs = text.substring(eq + 1).trim();
            if (!key.matches("[A-Za-z0-9_-]+")) {
                error(n, "syntax: bad key \"" + key + "\" (letters, digits, '_' and '-' only)");
                return;
            }
            if (SKIP.equals(section)) {
                return; // under a bad section header, already reported
            }
            if (section == null) {
                error(n, "key '" + key + "' outside a section; put it under [policy], [match] or [limits]");
                return;
            }
            List<String> known = switch (section) {
                case "policy" -> POLICY_KEYS;
                case "match" -> MATCH_KEYS;
                default -> LIMITS_KEYS;
            };
            if (!known.contains(key)) {
                error(n, "unknown key '" + key + "' in [" + section + "]; known keys: " + String.join(", ", known));
                return;
            }
            String qualified = section + "." + key;
            Integer first = keyLines.get(qualified);
            if (first != null) {
                error(n, "duplicate key '" + key + "' in [" + section + "] (first set on line " + first + ")");
                return;
            }
            keyLines.put(qualified, n);
            if (rhs.isEmpty()) {
                error(n, key + ": missing value");
                return;
            }
            Value v = value(n, rhs);
            if (v != null) {
                values.put(qualified, v);
            }
        }

        private void header(int n, String text) {
            if (text.startsWith("[[")) {
                error(n, "syntax: arrays of tables ([[...]]) are not supported");
                section = SKIP;
                return;
            }
            if (!text.endsWith("]")) {
                error(n, "syntax: section header must end with ']'");
                section = SKIP;
                return;
            }
            String name = text.substring(1, text.length() - 1).trim();
            if (!SECTIONS.contains(name)) {
                error(n, "unknown section [" + name + "]; known sections: [policy], [match], [limits]");
                section = SKIP;
                return;
            }
            Integer first = sectionLines.get(name);
            if (first != null) {
                error(n, "duplicate section [" + name + "] (first on line " + first + ")");
                section = SKIP;
                return;
            }
            sectionLines.put(name, n);
            section = name;
        }

        /** Parses a right-hand side, or reports a syntax error and returns null. */
        private Value value(int n, String rhs) {
            if (rhs.equals("true") || rhs.equals("false")) {
                return new Value(null, rhs.equals("true"), null, null, rhs);
            }
            if (rhs.startsWith("\"") || rhs.startsWith("'")) {
                int[] end = new int[1];
                String s = string(rhs, 0, end);
                if (s == null) {
                    error(n, "syntax: bad string " + rhs);
                    return null;
                }
                if (end[0] != rhs.length()) {
                    error(n, "syntax: unexpected text after the string: \"" + rhs.substring(end[0]) + "\"");
                    return null;
                }
                return new Value(s, null, null, null, rhs);
            }
            if (rhs.startsWith("[")) {
                return array(n, rhs);
            }
            if (rhs.matches("[+-]?[0-9](_?[0-9])*")) {
                try {
                    return new Value(null, null, Long.parseLong(rhs.replace("_", "")), null, rhs);
                } catch (NumberFormatException e) {
                    error(n, "integer out of range: " + rhs);
                    return null;
                }
            }
            error(n, "syntax: unsupported value " + rhs
                    + " (use \"quoted strings\", true/false, integers or [\"arrays\", \"of strings\"])");
            return null;
        }

        private Value array(int n, String rhs) {
            if (!rhs.endsWith("]")) {
                error(n, "syntax: an array must close with ']' on the same line");
                return null;
            }
            List<String> items = new ArrayList<>();
            int i = 1;
            int last = rhs.length() - 1;
            boolean expectItem = true;
            while (true) {
                while (i < last && Character.isWhitespace(rhs.charAt(i))) {
                    i++;
                }
                if (i >= last) {
                    break;
                }
                char c = rhs.charAt(i);
                if (expectItem && (c == '"' || c == '\'')) {
                    int[] end = new int[1];
                    String s = string(rhs, i, end);
                    if (s == null || end[0] > last) {
                        error(n, "syntax: bad string in array " + rhs);
                        return null;
                    }
                    items.add(s);
                    i = end[0];
                    expectItem = false;
                } else if (!expectItem && c == ',') {
                    i++;
                    expectItem = true;
                } else {
                    error(n, "syntax: arrays hold quoted strings separated by commas, got " + rhs);
                    return null;
                }
            }
            // a trailing comma is allowed, as in TOML
            return new Value(null, null, null, items, rhs);
        }

        /** Reads a quoted string starting at {@code from}; sets end[0] past the closing quote. */
        private static String string(String s, int from, int[] end) {
            char q = s.charAt(from);
            StringBuilder out = new StringBuilder();
            int i = from + 1;
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c == q) {
                    end[0] = i + 1;
                    return out.toString();
                }
                if (c == '\\' && q == '"') {
                    if (i + 1 >= s.length()) {
                        return null;
                    }
                    char e = s.charAt(++i);
                    switch (e) {
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
                i++;
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

        // ---- typed accessors: report a bad value at its line with the expected form ----

        private int lineOf(String qualified) {
            Integer l = keyLines.get(qualified);
            return l == null ? 0 : l;
        }

        private String str(String q, String expected) {
            Value v = values.get(q);
            if (v == null) {
                return null;
            }
            if (v.string() == null) {
                error(lineOf(q), key(q) + ": expected " + expected + ", got " + v.describe());
                return null;
            }
            return v.string();
        }

        private Boolean bool(String q) {
            Value v = values.get(q);
            if (v == null) {
                return null;
            }
            if (v.bool() == null) {
                error(lineOf(q), key(q) + ": expected true or false, got " + v.describe());
            }
            return v.bool();
        }

        private List<String> strings(String q, String expected) {
            Value v = values.get(q);
            if (v == null) {
                return null;
            }
            if (v.string() != null) {
                return List.of(v.string());
            }
            if (v.strings() != null) {
                if (v.strings().isEmpty()) {
                    error(lineOf(q), key(q) + ": empty list matches nothing; remove the key to match any");
                    return null;
                }
                return v.strings();
            }
            error(lineOf(q), key(q) + ": expected " + expected + ", got " + v.describe());
            return null;
        }

        private List<DeviceKind> kinds(String q) {
            List<String> names = strings(q, "a kind or a list of kinds like [\"nbd\", \"loop\"]");
            if (names == null) {
                return null;
            }
            List<DeviceKind> out = new ArrayList<>();
            List<String> known = new ArrayList<>();
            for (DeviceKind k : DeviceKind.values()) {
                known.add(PolicyKey.kindName(k));
            }
            for (String name : names) {
                int idx = known.indexOf(name);
                if (idx < 0) {
                    error(lineOf(q), key(q) + ": unknown kind \"" + name + "\"; known kinds: "
                            + String.join(", ", known));
                    return null;
                }
                out.add(DeviceKind.values()[idx]);
            }
            return out;
        }

        private long size(String q) {
            Value v = values.get(q);
            if (v == null) {
                return -1;
            }
            if (v.integer() != null) {
                if (v.integer() < 0) {
                    error(lineOf(q), key(q) + ": size " + v.describe() + " must be ≥ 0");
                    return -2;
                }
                return v.integer();
            }
            if (v.string() != null) {
                try {
                    return Units.parseBytes(key(q), v.string());
                } catch (IllegalArgumentException e) {
                    error(lineOf(q), e.getMessage());
                    return -2;
                }
            }
            error(lineOf(q), key(q) + ": expected " + Units.SIZE_FORM + ", got " + v.describe());
            return -2;
        }

        private long duration(String q) {
            Value v = values.get(q);
            if (v == null) {
                return -1;
            }
            if (v.string() != null) {
                try {
                    return Units.parseDurationNs(key(q), v.string());
                } catch (IllegalArgumentException e) {
                    error(lineOf(q), e.getMessage());
                    return -2;
                }
            }
            error(lineOf(q), key(q) + ": expected " + Units.DURATION_FORM + ", quoted, got "
                    + v.describe());
            return -2;
        }

        private static String key(String qualified) {
            return qualified.substring(qualified.indexOf('.') + 1);
        }

        /** Applies a builder setter, reporting its range check at the key's line. */
        private void apply(String q, Runnable setter) {
            try {
                setter.run();
            } catch (IllegalArgumentException e) {
                error(lineOf(q), e.getMessage());
            }
        }

        private Policy build() {
            int policyLine = sectionLines.getOrDefault("policy", 1);
            if (!sectionLines.containsKey("policy")) {
                error(1, "missing [policy] section (with name and priority)");
            }
            String name = str("policy.name", "a quoted name like \"nbd\"");
            if (name == null && !values.containsKey("policy.name") && sectionLines.containsKey("policy")) {
                error(policyLine, "missing key 'name' in [policy]");
            }
            Value prio = values.get("policy.priority");
            if (prio == null && sectionLines.containsKey("policy") && !keyLines.containsKey("policy.priority")) {
                error(policyLine, "missing key 'priority' in [policy] (an integer 0..1000; higher wins)");
            } else if (prio != null && prio.integer() == null) {
                error(lineOf("policy.priority"), "priority: expected an integer 0..1000, got " + prio.describe());
                prio = null;
            }
            if (name != null && name.isBlank()) {
                error(lineOf("policy.name"), "name: must not be empty");
                name = null;
            }
            Policy.Builder b = Policy.builder(name == null ? "?" : name).source(source);
            if (prio != null) {
                long p = prio.integer();
                apply("policy.priority", () -> b.priority(p < Integer.MIN_VALUE || p > Integer.MAX_VALUE
                        ? -1 : (int) p));
            }
            List<DeviceKind> kinds = kinds("match.kind");
            if (kinds != null) {
                b.kinds(kinds);
            }
            List<String> list = strings("match.transport", "a transport or a list like [\"usb\", \"sata\"]");
            if (list != null) {
                b.transports(list);
            }
            Boolean removable = bool("match.removable");
            if (removable != null) {
                b.removable(removable);
            }
            Boolean rotational = bool("match.rotational");
            if (rotational != null) {
                b.rotational(rotational);
            }
            list = strings("match.name", "a glob or a list of globs like [\"sd*\", \"7:*\"]");
            if (list != null) {
                b.names(list);
            }
            list = strings("match.mount", "a glob or a list of globs like [\"/media/*\"]");
            if (list != null) {
                b.mounts(list);
            }
            list = strings("match.fstype", "a glob or a list of globs like [\"fuse.*\"]");
            if (list != null) {
                b.fsTypes(list);
            }
            list = strings("match.vendor", "a glob or a list of globs");
            if (list != null) {
                b.vendors(list);
            }
            list = strings("match.model", "a glob or a list of globs");
            if (list != null) {
                b.models(list);
            }
            List<DeviceKind> chainKinds = kinds("match.chain_kind");
            if (chainKinds != null) {
                b.chainKinds(chainKinds);
            }
            Boolean govern = bool("limits.govern");
            if (govern != null) {
                b.govern(govern);
            }
            Boolean strict = bool("limits.strict");
            if (strict != null) {
                b.strict(strict);
            }
            long drain = duration("limits.drain_target");
            if (drain >= 0) {
                apply("limits.drain_target", () -> b.drainTargetNs(drain));
            }
            long backlog = duration("limits.backlog_target");
            if (backlog >= 0) {
                apply("limits.backlog_target", () -> b.backlogTargetNs(backlog));
            }
            long latency = duration("limits.inflight_latency");
            if (latency >= 0) {
                apply("limits.inflight_latency", () -> b.inflightLatencyNs(latency));
            }
            long floor = size("limits.floor");
            if (floor >= 0) {
                apply("limits.floor", () -> b.floorBytes(floor));
            }
            long ceiling = size("limits.ceiling");
            if (ceiling >= 0) {
                apply("limits.ceiling", () -> b.ceilingBytes(ceiling));
            }
            long initial = size("limits.initial");
            if (initial >= 0) {
                apply("limits.initial", () -> b.initialBytes(initial));
            }
            if (!errors.isEmpty()) {
                return null;
            }
            try {
                return b.build();
            } catch (IllegalArgumentException e) {
                int at = Math.max(lineOf("limits.initial"), lineOf("limits.ceiling"));
                at = Math.max(at, lineOf("limits.floor"));
                if (e.getMessage().startsWith("backlog_target")) {
                    at = Math.max(lineOf("limits.backlog_target"), lineOf("limits.drain_target"));
                }
                error(at > 0 ? at : sectionLines.getOrDefault("limits", 1), e.getMessage());
                return null;
            }
        }
    }
}
