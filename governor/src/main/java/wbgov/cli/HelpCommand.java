package wbgov.cli;

import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code wbgov help [COMMAND [SUBCOMMAND…]]}: the help of any command at any depth
 * ({@code help policy explain}); picocli's own HelpCommand looks one level down only.
 */
@Command(name = "help", helpCommand = true, mixinStandardHelpOptions = true,
        description = "Show the help of a command: wbgov help [COMMAND [SUBCOMMAND]], e.g. wbgov help policy explain.")
public final class HelpCommand implements CommandLine.IHelpCommandInitializable2, Runnable {
    @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "the command, and its subcommand")
    List<String> path = List.of();

    private CommandLine self;
    private PrintWriter out;
    private PrintWriter err;
    private CommandLine.Help.ColorScheme colors;

    @Override
    public void init(CommandLine helpCommandLine, CommandLine.Help.ColorScheme colorScheme, PrintWriter out, PrintWriter err) {
        this.self = helpCommandLine;
        this.colors = colorScheme;
        this.out = out;
        this.err = err;
    }

    @Override
    public void run() {
        CommandLine cmd = self.getParent();
        for (String name : path) {
            CommandLine sub = cmd.getSubcommands().get(name);
            if (sub == null) {
                throw new CommandLine.ParameterException(self, "Unknown command: '" + String.join(" ", path)
                        + "' (" + cmd.getCommandName() + " has: " + String.join(", ", cmd.getSubcommands().keySet()) + ")");
            }
            cmd = sub;
        }
        cmd.usage(out, colors);
        out.flush();
        err.flush();
    }
}
