package wbgov.dist;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import wbgov.governor.policy.PolicyKeyReference;

/**
 * Build-time generator (dist/build-deb.sh runs it): from the CLI's own picocli model
 * ({@code new CommandLine(new wbgov.cli.Main())}), writes one man page per command into
 * OUT/man8 ({@code wbgov.8}, {@code wbgov-run.8}, {@code wbgov-policy-check.8} …) and the bash
 * completion script OUT/bash-completion/wbgov. Nothing is written by hand, so neither can drift
 * from what the parser accepts; wbgov-policy(8)'s POLICY KEYS section comes from the policy key
 * table ({@link PolicyKeyReference}).
 *
 * <p>Usage: {@code GenerateDocs OUT DATE VERSION}.
 */
public final class GenerateDocs {
    private GenerateDocs() {
    }

    /** FILES: the installed layout, on the top page and on run's. */
    static final Map<String, String> FILES = new LinkedHashMap<>();

    static {
        FILES.put("/usr/share/wbgov/policies/", "The shipped policies, one *.toml per device class.");
        FILES.put("/etc/wbgov/policies/", "Administrator policies: a file here overrides the shipped file of the same "
                + "name; an empty file masks it.");
        FILES.put("/etc/default/wbgov", "WBGOV_RUN_OPTS: options the wbgov.service unit passes to wbgov run.");
        FILES.put("/etc/wbgov/nbd/NBDX.conf", "WBGOV_NBD_BACKEND and WBGOV_NBD_OPTS of the wbgov-nbd@NBDX.service unit.");
        FILES.put("/run/wbgov/knobs.journal", "Original values of every knob written, restored on exit, by the next "
                + "start after a crash, and by wbgov restore.");
        FILES.put("/run/wbgov/wbgov.sock", "The daemon's status socket (wbgov status): mode 0660, group wbgov "
                + "(members may read the status; it answers nothing else), 0600 when that group does not exist.");
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: GenerateDocs OUT DATE VERSION");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        CommandLine top = new CommandLine(new wbgov.cli.Main());
        ManPage renderer = new ManPage(new ManPage.Meta("8", args[1], "wbgov " + args[2], "wbgov manual"));
        Path man = Files.createDirectories(out.resolve("man8"));
        List<String> written = new ArrayList<>();
        writePages(renderer, top, man, written);
        Path completion = Files.createDirectories(out.resolve("bash-completion")).resolve("wbgov");
        Files.writeString(completion, completionScript(top), StandardCharsets.UTF_8);
        System.out.println("generated " + written.size() + " man pages " + written + " and " + completion);
    }

    /**
     * picocli's bash completion without its "#!/usr/bin/env bash" line: the file is sourced by
     * bash-completion, never run (Debian's lintian: bash-completion-with-hashbang).
     */
    static String completionScript(CommandLine top) {
        String s = AutoComplete.bash("wbgov", top);
        return s.startsWith("#!") ? s.substring(s.indexOf('\n') + 1) : s;
    }

    static void writePages(ManPage renderer, CommandLine cl, Path dir, List<String> written) throws IOException {
        CommandSpec spec = cl.getCommandSpec();
        boolean filesHere = spec.parent() == null || spec.name().equals("run");
        List<String> seeAlso = spec.parent() == null
                ? List.of("systemctl(1)", "journalctl(1)", "nbd-client(8)") : List.of();
        String name = ManPage.pageName(spec);
        Map<String, Map<String, String>> sections = name.equals("wbgov-policy")
                ? Map.of("POLICY KEYS", PolicyKeyReference.manEntries()) : Map.of();
        Files.writeString(dir.resolve(name + ".8"), renderer.render(spec, sections, filesHere ? FILES : Map.of(),
                seeAlso), StandardCharsets.UTF_8);
        written.add(name);
        for (CommandLine sub : ManPage.visibleSubcommands(spec)) {
            writePages(renderer, sub, dir, written);
        }
    }
}
