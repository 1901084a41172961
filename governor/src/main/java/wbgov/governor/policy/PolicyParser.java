package wbgov.governor.policy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import wbgov.governor.discover.DeviceKind;
import wbgov.governor.policy.PolicyKey.Section;
import wbgov.governor.policy.PolicyLexer.Entry;
import wbgov.governor.policy.PolicyLexer.Header;
import wbgov.governor.policy.PolicyLexer.Item;
import wbgov.governor.policy.PolicyLexer.Value;
import wbgov.nbd.units.Units;

/**
 * Reads one policy file: {@link PolicyLexer} turns the text (a subset of TOML an admin reads at
 * sight) into positioned entries, and this binder checks them against the table of keys,
 * {@link PolicyKey}: which sections and keys exist, each key's type, range and whether it is
 * required. Every error names its line and the form that was expected; the parser keeps going
 * after an error and reports them all, in line order.
 *
 * <p>Why our own parser: the daemon is memory-bounded and loads policies once per start and
 * reload; a few hundred lines of explicit code cost less than a TOML library and its
 * reflection, and every error can name its line.
 */
public final class PolicyParser {
    /** Section state after a bad header: its keys are skipped, the header error says enough. */
    private static final Section SKIP = null;

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
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException | RuntimeException e) {
            return new Result(null, List.of(new PolicyError(file.toString(), 0, "cannot read: " + e.getMessage())));
        }
        List<PolicyError> errors = new ArrayList<>();
        String text = PolicyLexer.decode(file.toString(), bytes, errors);
        return text == null ? new Result(null, errors) : parse(file.toString(), text);
    }

    /** Parses policy text; {@code source} names it in errors. */
    public static Result parse(String source, String text) {
        return new Run(source).parse(text);
    }

    /** State of one parse: binds entries into a builder, collects errors. */
    private static final class Run {
        private final String source;
        private final List<PolicyError> errors = new ArrayList<>();
        private final Map<Section, Integer> sectionLines = new EnumMap<>(Section.class);
        private final Map<PolicyKey, Integer> keyLines = new EnumMap<>(PolicyKey.class);
        private final Policy.Builder builder = new Policy.Builder();
        private boolean inSection;
        private Section section;

        Run(String source) {
            this.source = source;
            builder.source(source);
        }

        Result parse(String text) {
            PolicyLexer.Lexed lexed = PolicyLexer.lex(source, text);
            errors.addAll(lexed.errors());
            for (Item item : lexed.items()) {
                if (item instanceof Header h) {
                    header(h);
                } else {
                    entry((Entry) item);
                }
            }
            Policy policy = build();
            errors.sort((a, b) -> Integer.compare(a.line(), b.line()));
            return new Result(errors.isEmpty() ? policy : null, errors);
        }

        private void error(int line, String message) {
            errors.add(new PolicyError(source, line, message));
        }

        private void header(Header h) {
            inSection = true;
            section = SKIP;
            if (h.name() == null) {
                return; // malformed, already reported
            }
            Section s = Section.named(h.name());
            if (s == null) {
                error(h.line(), "unknown section [" + PolicyLexer.clip(h.name()) + "]; known sections: "
                        + String.join(", ", sectionNames()));
                return;
            }
            Integer first = sectionLines.putIfAbsent(s, h.line());
            if (first != null) {
                error(h.line(), "duplicate section [" + s.tomlName() + "] (first on line " + first + ")");
                return;
            }
            section = s;
        }

        private static List<String> sectionNames() {
            List<String> out = new ArrayList<>();
            for (Section s : Section.values()) {
                out.add("[" + s.tomlName() + "]");
            }
            return out;
        }

        private void entry(Entry e) {
            if (!inSection) {
                error(e.line(), "key '" + PolicyLexer.clip(e.key()) + "' outside a section; put it under "
                        + String.join(", ", sectionNames()).replaceFirst(", (?=[^,]*$)", " or "));
                return;
            }
            if (section == SKIP) {
                return; // under a bad section header, already reported
            }
            PolicyKey k = PolicyKey.find(section, e.key());
            if (k == null) {
                List<String> known = PolicyKey.in(section).stream().map(PolicyKey::tomlName).toList();
                error(e.line(), "unknown key '" + PolicyLexer.clip(e.key()) + "' in [" + section.tomlName()
                        + "]; known keys: " + String.join(", ", known));
                return;
            }
            Integer first = keyLines.putIfAbsent(k, e.line());
            if (first != null) {
                error(e.line(), "duplicate key '" + e.key() + "' in [" + section.tomlName() + "] (first set on line "
                        + first + ")");
                return;
            }
            Value v = e.value();
            if (v.problem() != null) {
                error(v.problemLine(), v.problem());
                return;
            }
            Object bound = convert(k, v, e.line());
            if (bound != null) {
                try {
                    builder.set(k, bound);
                } catch (IllegalArgumentException ex) {
                    error(e.line(), ex.getMessage());
                }
            }
        }

        /** The value in the key's Java form, or null after reporting why it does not fit. */
        private Object convert(PolicyKey k, Value v, int line) {
            String key = k.tomlName();
            try {
                switch (k.type()) {
                    case STRING -> {
                        if (v.string() != null) {
                            return v.string();
                        }
                    }
                    case INT -> {
                        if (v.integer() != null) {
                            return v.integer();
                        }
                    }
                    case BOOL -> {
                        if (v.bool() != null) {
                            return v.bool();
                        }
                    }
                    case SIZE -> {
                        if (v.integer() != null && v.integer() < 0) {
                            throw new IllegalArgumentException(key + ": size " + v.raw() + " must be ≥ 0");
                        }
                        if (v.integer() != null || v.string() != null) {
                            return v.integer() != null ? v.integer() : Units.parseBytes(key, v.string());
                        }
                    }
                    case DURATION -> {
                        if (v.string() != null) {
                            return Units.parseDurationNs(key, v.string());
                        }
                    }
                    case STRINGS, GLOBS, KINDS -> {
                        List<String> list = v.string() != null ? List.of(v.string()) : v.strings();
                        if (list != null) {
                            return list(k, list);
                        }
                    }
                    default -> throw new IllegalStateException(k.type().name());
                }
            } catch (IllegalArgumentException e) {
                // Units quotes the text whole: echo no more of it than clip() does
                String text = v.string() != null ? v.string() : v.raw();
                error(line, e.getMessage().replace(text, PolicyLexer.clip(text)));
                return null;
            }
            error(line, key + ": expected " + k.expected() + ", got " + PolicyLexer.clip(v.raw()));
            return null;
        }

        /** A list key's items; kinds as {@link DeviceKind}s. */
        private static List<?> list(PolicyKey k, List<String> items) {
            if (items.isEmpty()) {
                throw new IllegalArgumentException(k.tomlName() + ": empty list matches nothing; remove the key to match any");
            }
            if (k.type() != PolicyKey.Type.KINDS) {
                return items;
            }
            List<DeviceKind> all = List.of(DeviceKind.values());
            List<String> known = PolicyKey.kindNames(all);
            List<DeviceKind> out = new ArrayList<>();
            for (String name : items) {
                int idx = known.indexOf(name);
                if (idx < 0) {
                    throw new IllegalArgumentException(k.tomlName() + ": unknown kind \"" + PolicyLexer.clip(name)
                            + "\"; known kinds: " + String.join(", ", known));
                }
                out.add(all.get(idx));
            }
            return out;
        }

        /** Required keys, the limits against each other, and the policy when all is well. */
        private Policy build() {
            List<PolicyKey> required = PolicyKey.in(Section.POLICY).stream().filter(PolicyKey::required).toList();
            Integer policyLine = sectionLines.get(Section.POLICY);
            if (policyLine == null) {
                error(1, "missing [policy] section (with " + String.join(" and ",
                        required.stream().map(PolicyKey::tomlName).toList()) + ")");
            } else {
                for (PolicyKey k : required) {
                    if (!keyLines.containsKey(k)) {
                        error(policyLine, "missing key '" + k.tomlName() + "' in [policy] (" + k.expected() + "; "
                                + k.doc() + ")");
                    }
                }
            }
            if (!errors.isEmpty()) {
                return null;
            }
            Policy.Builder.Conflict c = builder.conflict();
            if (c != null) {
                int at = 0;
                for (PolicyKey k : c.keys()) {
                    at = Math.max(at, keyLines.getOrDefault(k, 0));
                }
                error(at > 0 ? at : sectionLines.getOrDefault(Section.LIMITS, 1), c.message());
                return null;
            }
            return builder.build();
        }
    }
}
