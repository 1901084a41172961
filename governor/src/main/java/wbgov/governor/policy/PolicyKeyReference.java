package wbgov.governor.policy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The policy key reference, generated from {@link PolicyKey}: the Markdown table between
 * {@link #BEGIN} and {@link #END} in policies/README.md (PolicyKeyReferenceTest fails when it
 * differs and rewrites it with {@code -Dwbgov.writeReadme=true}) and the entries of the
 * {@code wbgov-policy} man page's POLICY KEYS section (wbgov.dist.GenerateDocs).
 */
public final class PolicyKeyReference {
    public static final String BEGIN = "<!-- keys:begin: generated from PolicyKey, do not edit (see above) -->";
    public static final String END = "<!-- keys:end -->";

    private PolicyKeyReference() {
    }

    /** The default as a file would spell it: {@code "2s"}, {@code true}; "required", "any" or "= floor". */
    public static String defaultText(PolicyKey k) {
        if (k.required()) {
            return "required";
        }
        if (k.defaultFrom() != null) {
            return "= " + k.defaultFrom().tomlName();
        }
        Object d = k.defaultValue();
        if (d == null || d instanceof List<?> l && l.isEmpty()) {
            return "any";
        }
        String s = k.type().format(d);
        return d instanceof Long && k.type() != PolicyKey.Type.INT ? "\"" + s + "\"" : s;
    }

    /** The table, one row a key, without the markers. */
    public static String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("| section | key | type | default | range | what it does |\n");
        b.append("| --- | --- | --- | --- | --- | --- |\n");
        for (PolicyKey k : PolicyKey.values()) {
            b.append("| [").append(k.section().tomlName()).append("] | `").append(k.tomlName()).append("` | ")
                    .append(k.type().word()).append(" | ").append(code(defaultText(k))).append(" | ")
                    .append(k.range()).append(" | ").append(k.doc().replace("|", "\\|")).append(" |\n");
        }
        return b.toString();
    }

    private static String code(String defaultText) {
        return defaultText.equals("required") || defaultText.equals("any") ? defaultText : "`" + defaultText + "`";
    }

    /** The README with its section between the markers replaced by {@link #markdown()}. */
    public static String updateReadme(String readme) {
        int begin = readme.indexOf(BEGIN);
        int end = readme.indexOf(END);
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("no " + BEGIN + " … " + END + " section");
        }
        return readme.substring(0, begin + BEGIN.length()) + "\n" + markdown() + readme.substring(end);
    }

    /** Man page entries: "[limits] drain_target" → "duration, default "2s", 10ms..1h: what it does". */
    public static Map<String, String> manEntries() {
        Map<String, String> out = new LinkedHashMap<>();
        for (PolicyKey k : PolicyKey.values()) {
            String range = k.range().isEmpty() ? "" : ", " + k.range();
            String def = defaultText(k);
            out.put("[" + k.section().tomlName() + "] " + k.tomlName(), k.type().word()
                    + (def.equals("required") ? ", required" : ", default " + def) + range + ": " + k.doc() + ".");
        }
        return out;
    }
}
