package wbgov.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import wbgov.log.LogOutput;

/** The CLI entry point: only wires subcommands. */
@Command(name = "wbgov", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "A Linux writeback governor, and an NBD server built for the write-out path.",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "0:success (for serve, attach and run: stopped by SIGTERM, every knob restored)",
            "1:the action failed (a knob, the journal, a socket, a server, a policy file with errors)",
            "2:usage error (unknown option, bad value)",
            "3:status: the daemon is not running (as LSB init scripts say)",
            "4:status: its status socket may not be read by this user (not in its group, wbgov)"},
        subcommands = {RunCommand.class, StatusCommand.class, RestoreCommand.class, PolicyCommand.class,
            DrainCommand.class, ServeCommand.class, CtlCommand.class, AttachCommand.class, DetachCommand.class,
            HelpCommand.class})
public final class Main implements Runnable {
    /** Exit status of {@code status} when no daemon answers (LSB: "program is not running"). */
    static final int NOT_RUNNING = 3;

    @Option(names = "--log-level", paramLabel = "LEVEL", scope = ScopeType.INHERIT,
            description = "error, warn, info (default), debug or trace; under journald each line carries its "
                + "syslog priority, so 'journalctl -p warning' filters")
    void logLevel(String level) {
        try {
            LogOutput.setLevel(level);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage());
        }
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** The build's version (Maven filters it into version.properties). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"wbgov " + wbgov.governor.daemon.Version.get()};
        }
    }

    /** The command line as every subcommand sees it: exit codes, error handling. */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        // "ctl … set latency -1ms": there a negative value is a value, for the server to judge
        // ("must be >= 0"), not an unknown option.
        cl.getSubcommands().get("ctl").setUnmatchedOptionsArePositionalParams(true);
        // Bad input: one clear line on stderr, no stack trace for a user's mistake. A bad value
        // found while running (IllegalArgumentException) is a usage error, 2; an I/O failure is
        // the action failing, 1.
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof IllegalArgumentException) {
                cmd.getErr().println("wbgov " + cmd.getCommandName() + ": " + ex.getMessage());
                return 2;
            }
            if (ex instanceof java.io.IOException) {
                cmd.getErr().println("wbgov " + cmd.getCommandName() + ": " + ex.getMessage());
                return 1;
            }
            throw ex;
        });
        return cl;
    }

    /**
     * For the commands that run until stopped (run, serve, attach): SIGTERM is how systemd and
     * kill stop them, so it is a clean stop and exits 0 after the shutdown hooks (which restore
     * knobs, disconnect devices). The JVM's own handler would exit 143, which systemd reports as
     * a failure. A hook that finds it could not clean up halts with 1 instead.
     */
    static void exitZeroOnSigterm() {
        sun.misc.Signal.handle(new sun.misc.Signal("TERM"), sig -> System.exit(0));
    }

    public static void main(String[] args) {
        int rc = commandLine().execute(args);
        System.exit(rc);
    }
}
