package wbgov.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The CLI entry point: only wires subcommands. */
@Command(name = "wbgov", mixinStandardHelpOptions = true, version = "wbgov 0.1.0",
        description = "A Linux writeback governor, and an NBD server built for the write-out path.",
        subcommands = {RunCommand.class, StatusCommand.class, RestoreCommand.class, PolicyCommand.class,
            ServeCommand.class, CtlCommand.class, AttachCommand.class, DetachCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new Main());
        // Bad input: one clear line on stderr, exit status 2; no stack trace for a user's mistake.
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof IllegalArgumentException || ex instanceof java.io.IOException) {
                cmd.getErr().println("wbgov " + cmd.getCommandName() + ": " + ex.getMessage());
                return 2;
            }
            throw ex;
        });
        int rc = cl.execute(args);
        String sub = args.length > 0 ? args[0] : "";
        if (rc != 0 || !(sub.equals("serve") || sub.equals("run"))) {
            System.exit(rc);
        }
    }
}
