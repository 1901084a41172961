package wbgov.dist;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * A man(7) page for one picocli command, rendered from its {@link CommandSpec} so that the page
 * says what the parser accepts: NAME, SYNOPSIS, DESCRIPTION, OPTIONS (and ARGUMENTS), COMMANDS,
 * EXIT STATUS (the command's {@code exitCodeList}), FILES, SEE ALSO. Every piece of text from
 * the model goes through {@link #escape}; macros are written only here.
 *
 * <p>A subcommand's page is named after its qualified name: {@code wbgov run} →
 * {@code wbgov-run(8)}.
 */
public final class ManPage {
    /** Page-independent facts: section, date and the footer's source ("wbgov 0.1.0"). */
    public record Meta(String section, String date, String source, String manual) {
    }

    private final Meta meta;

    public ManPage(Meta meta) {
        this.meta = meta;
    }

    /** "wbgov run" → "wbgov-run". */
    public static String pageName(CommandSpec spec) {
        return spec.qualifiedName("-");
    }

    /**
     * Renders the page.
     *
     * @param files FILES section entries (path → what it is); empty for none
     * @param seeAlso extra SEE ALSO references such as "systemctl(1)", after the command's own
     *     parent and subcommands
     */
    public String render(CommandSpec spec, Map<String, String> files, List<String> seeAlso) {
        return render(spec, Map.of(), files, seeAlso);
    }

    /**
     * Renders the page with sections of its own after EXIT STATUS.
     *
     * @param sections title ("POLICY KEYS") → its entries (term → text), each as FILES' are
     */
    public String render(CommandSpec spec, Map<String, Map<String, String>> sections, Map<String, String> files,
            List<String> seeAlso) {
        StringBuilder b = new StringBuilder();
        String name = pageName(spec);
        b.append(".\\\" Generated from the picocli command model by wbgov.dist.ManPage; do not edit.\n");
        b.append(".TH ").append(quote(name.toUpperCase(java.util.Locale.ROOT))).append(' ').append(meta.section())
                .append(' ').append(quote(meta.date())).append(' ').append(quote(meta.source()))
                .append(' ').append(quote(meta.manual())).append('\n');

        b.append(".SH NAME\n").append(escape(name)).append(" \\- ").append(escape(firstLine(spec))).append('\n');

        b.append(".SH SYNOPSIS\n");
        b.append(".B ").append(escape(spec.qualifiedName())).append('\n');
        for (OptionSpec o : visibleOptions(spec)) {
            b.append(o.required() ? "" : "[").append(bold(o.shortestName()));
            if (o.arity().max() > 0) {
                b.append(' ').append(italic(label(o)));
            }
            b.append(o.required() ? "" : "]").append('\n');
        }
        for (PositionalParamSpec p : visiblePositionals(spec)) {
            boolean optional = p.arity().min() == 0;
            b.append(optional ? "[" : "").append(italic(label(p))).append(optional ? "]" : "")
                    .append(p.arity().max() > 1 ? "\\&..." : "").append('\n');
        }
        if (!visibleSubcommands(spec).isEmpty()) {
            b.append(italic("COMMAND")).append(" [").append(italic("ARGS")).append("]\n");
        }

        b.append(".SH DESCRIPTION\n");
        paragraphs(b, spec.usageMessage().description());

        List<OptionSpec> options = visibleOptions(spec);
        if (!options.isEmpty()) {
            b.append(".SH OPTIONS\n");
            for (OptionSpec o : options) {
                b.append(".TP\n");
                List<String> names = new ArrayList<>();
                for (String n : o.names()) {
                    names.add(bold(n));
                }
                b.append(String.join(", ", names));
                if (o.arity().max() > 0) {
                    b.append(' ').append(italic(label(o)));
                }
                b.append('\n');
                descriptionLines(b, o);
            }
        }
        List<PositionalParamSpec> positionals = visiblePositionals(spec);
        if (!positionals.isEmpty()) {
            b.append(".SH ARGUMENTS\n");
            for (PositionalParamSpec p : positionals) {
                b.append(".TP\n").append(italic(label(p))).append('\n');
                descriptionLines(b, p);
            }
        }

        List<CommandLine> subs = visibleSubcommands(spec);
        if (!subs.isEmpty()) {
            b.append(".SH COMMANDS\n");
            for (CommandLine sub : subs) {
                CommandSpec s = sub.getCommandSpec();
                b.append(".TP\n").append(bold(s.name())).append('\n');
                b.append(escape(firstLine(s))).append('\n');
                b.append("See\n.BR \\%").append(escape(pageName(s))).append(" (").append(meta.section()).append(").\n");
            }
        }

        Map<String, String> exitCodes = spec.usageMessage().exitCodeList();
        if (!exitCodes.isEmpty()) {
            b.append(".SH \"EXIT STATUS\"\n");
            for (Map.Entry<String, String> e : exitCodes.entrySet()) {
                b.append(".TP\n").append(bold(plain(e.getKey()).trim())).append('\n');
                b.append(escape(plain(e.getValue()).trim())).append('\n');
            }
        }

        for (Map.Entry<String, Map<String, String>> s : sections.entrySet()) {
            entries(b, s.getKey(), s.getValue());
        }
        entries(b, "FILES", files);

        List<String> refs = new ArrayList<>();
        if (spec.parent() != null) {
            refs.add(pageName(spec.parent()) + "(" + meta.section() + ")");
        }
        for (CommandLine sub : subs) {
            refs.add(pageName(sub.getCommandSpec()) + "(" + meta.section() + ")");
        }
        refs.addAll(seeAlso);
        if (!refs.isEmpty()) {
            b.append(".SH \"SEE ALSO\"\n");
            for (int i = 0; i < refs.size(); i++) {
                String r = refs.get(i);
                int paren = r.indexOf('(');
                b.append(".BR \\%").append(escape(r.substring(0, paren))).append(' ')
                        .append(escape(r.substring(paren) + (i < refs.size() - 1 ? "," : ""))).append('\n');
            }
        }
        return b.toString();
    }

    /** A section of tagged paragraphs, the term in italics; nothing when there are no entries. */
    private static void entries(StringBuilder b, String title, Map<String, String> entries) {
        if (entries.isEmpty()) {
            return;
        }
        b.append(".SH ").append(title.contains(" ") ? quote(title) : title).append('\n');
        for (Map.Entry<String, String> e : entries.entrySet()) {
            b.append(".TP\n").append(italic(e.getKey())).append('\n').append(escape(e.getValue())).append('\n');
        }
    }

    /**
     * Text for a man page input line: backslash, hyphen-minus (an option's dash must stay an
     * ASCII minus, or copy and paste breaks), a leading control character ('.' or '\''), and
     * non-ASCII (as groff's \[uXXXX], so the page needs no input encoding). Newlines and
     * leading blanks (which would break lines) become single spaces.
     */
    public static String escape(String text) {
        String t = text.replace('\n', ' ').replace('\r', ' ').replace('\t', ' ').strip();
        StringBuilder b = new StringBuilder(t.length() + 16);
        if (t.startsWith(".") || t.startsWith("'")) {
            b.append("\\&");
        }
        for (int i = 0; i < t.length(); ) {
            int c = t.codePointAt(i);
            i += Character.charCount(c);
            switch (c) {
                case '\\' -> b.append("\\e");
                case '-' -> b.append("\\-");
                default -> {
                    if (c < 0x20) {
                        b.append(' ');
                    } else if (c < 0x80) {
                        b.appendCodePoint(c);
                    } else {
                        b.append(String.format("\\[u%04X]", c));
                    }
                }
            }
        }
        return b.toString();
    }

    private static String bold(String s) {
        return "\\fB" + escape(s) + "\\fR";
    }

    private static String italic(String s) {
        return "\\fI" + escape(s) + "\\fR";
    }

    /** A macro argument in double quotes (a quote inside is written as two, groff's rule). */
    private static String quote(String s) {
        return "\"" + escape(s).replace("\"", "\"\"") + "\"";
    }

    /**
     * Picocli's @|bold …|@ markup removed, and its format specifiers resolved the way its usage
     * help resolves them: {@code %n} a line break (here: a blank, {@link #escape} joins lines),
     * {@code %%} a percent sign.
     */
    static String plain(String s) {
        return CommandLine.Help.Ansi.OFF.string(s).replace("%n", "\n").replace("%%", "%");
    }

    private static String firstLine(CommandSpec spec) {
        String[] d = spec.usageMessage().description();
        if (d.length == 0) {
            return spec.qualifiedName();
        }
        List<String> lines = splitLines(d);
        if (lines.isEmpty()) {
            return spec.qualifiedName();
        }
        String s = lines.get(0);
        int dot = s.indexOf(". ");
        return dot > 0 ? s.substring(0, dot + 1) : s;
    }

    private static void paragraphs(StringBuilder b, String[] lines) {
        boolean first = true;
        for (String s : splitLines(lines)) {
            if (!first) {
                b.append(".PP\n");
            }
            b.append(escape(s)).append('\n');
            first = false;
        }
    }

    private static void descriptionLines(StringBuilder b, ArgSpec a) {
        boolean any = false;
        for (String s : splitLines(a.description())) {
            b.append(any ? ".br\n" : "").append(escape(s)).append('\n');
            any = true;
        }
        if (!any) {
            b.append("\\&\n");
        }
    }

    /** The non-blank lines of description strings, after {@link #plain} (which resolves %n). */
    private static List<String> splitLines(String[] lines) {
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            for (String s : plain(l).split("\n")) {
                if (!s.isBlank()) {
                    out.add(s.strip());
                }
            }
        }
        return out;
    }

    private static String label(ArgSpec a) {
        return plain(a.paramLabel());
    }

    private static List<OptionSpec> visibleOptions(CommandSpec spec) {
        return spec.options().stream().filter(o -> !o.hidden()).toList();
    }

    private static List<PositionalParamSpec> visiblePositionals(CommandSpec spec) {
        return spec.positionalParameters().stream().filter(p -> !p.hidden()).toList();
    }

    /** Subcommands once each (aliases share a CommandLine), hidden ones left out. */
    public static List<CommandLine> visibleSubcommands(CommandSpec spec) {
        List<CommandLine> out = new ArrayList<>();
        for (CommandLine c : spec.subcommands().values()) {
            if (!c.getCommandSpec().usageMessage().hidden() && !out.contains(c)) {
                out.add(c);
            }
        }
        return out;
    }
}
