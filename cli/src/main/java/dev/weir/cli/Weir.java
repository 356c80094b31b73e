package dev.weir.cli;

import dev.weir.cli.bench.BenchCommand;
import dev.weir.cli.demo.DemoCommand;
import dev.weir.cli.train.TrainCommand;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.IFactory;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code weir} command line. Commands and their options are declared with picocli, so the help
 * ({@code weir --help}, {@code weir COMMAND --help}) and the shell completion ({@code weir
 * completion}) are generated from the same declarations that parse the arguments.
 *
 * <p>Exit codes: 0 done; 2 a wrong argument (with the command's usage) or a configuration mistake
 * (an {@link IllegalArgumentException}: its message says what is wrong); 1 anything else that
 * failed while running.
 */
@Command(
        name = "weir",
        synopsisSubcommandLabel = "COMMAND",
        description = {
            "Weir: real-time fraud scoring on Apache Flink, on this machine or on any Flink cluster.",
            "`weir COMMAND --help` shows a command's options."
        },
        commandListHeading = "%nCommands:%n",
        subcommands = {
            DemoCommand.Cli.class,
            ProduceCommand.class,
            ConsumeCommand.class,
            TrainCommand.class,
            ModelsCommand.class,
            RunCommand.class,
            ClusterCommands.Cluster.class,
            ClusterCommands.Submit.class,
            ClusterCommands.Savepoint.class,
            BootstrapCommand.class,
            ClusterCommands.Status.class,
            GovernorCommand.class,
            ReconcileCommand.class,
            ServeCommand.class,
            BenchCommand.class,
            CompletionCommand.class,
            HelpCommand.class
        },
        footerHeading = "%n",
        footer = {
            "Durations are " + DurationConverter.GRAMMAR + ".",
            "What the commands keep by default is under " + Folders.HOME + "/ in this directory.",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:done",
            "1:failed while running",
            "2:a wrong argument, or a configuration mistake",
            "3:weir reconcile found payments missing or written more than once",
            "4:weir models promote refused: a gate failed"
        })
public final class Weir implements Runnable {

    /** The Kafka broker of {@code weir cluster start} and {@code weir demo}. */
    public static final String LOCAL_KAFKA = "127.0.0.1:9092";

    private static final int HELP_WIDTH = 100;

    @Spec CommandSpec spec;

    /** {@code weir} alone: the help. */
    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] argv) {
        initializeFileSystems();
        // Flink and Kafka leave non-daemon threads behind: the exit code ends the process.
        System.exit(execute(System.out, System.err, argv));
    }

    /**
     * Flink's file systems as a Flink process has them, so that a registry, a model or a warehouse
     * may be on {@code s3://}: the plugins of {@code FLINK_PLUGINS_DIR} (the weir launcher points
     * it at the S3 plugin the build copies beside the job jar) with the settings of {@code
     * FLINK_CONF_DIR}'s config.yaml ({@code s3.endpoint}, ...), when it is set.
     */
    static void initializeFileSystems() {
        org.apache.flink.configuration.Configuration conf =
                org.apache.flink.configuration.GlobalConfiguration.loadConfiguration(
                        new org.apache.flink.configuration.Configuration());
        org.apache.flink.core.fs.FileSystem.initialize(
                conf,
                org.apache.flink.core.plugin.PluginUtils.createPluginManagerFromRootFolder(conf));
    }

    /** Runs {@code weir ARGV}: results to {@code out}, mistakes and failures to {@code err}. */
    public static int execute(PrintStream out, PrintStream err, String... argv) {
        return execute(out, err, System::getenv, argv);
    }

    /**
     * Runs {@code weir ARGV} with the environment variables of {@code environment} instead of this
     * process's: how a test gives a command secrets a JVM cannot set for itself.
     */
    public static int execute(
            PrintStream out,
            PrintStream err,
            Function<String, String> environment,
            String... argv) {
        CommandLine weir = commandLine(new Weir(), out, environment);
        weir.setOut(new PrintWriter(out, true));
        weir.setErr(new PrintWriter(err, true));
        weir.setParameterExceptionHandler(Weir::wrongArgument);
        weir.setExecutionExceptionHandler(Weir::failed);
        return weir.execute(argv);
    }

    /**
     * {@code command} with its options set from {@code argv}, printing to {@code out}: how one
     * command runs another (the governor's listener runs {@code weir train}) and how tests take
     * options apart. A wrong argument throws {@link ParameterException}.
     */
    public static <T extends WeirCommand> T parse(T command, PrintStream out, String... argv) {
        commandLine(command, out).parseArgs(argv);
        return command;
    }

    /** The command tree of {@code command}: its converters, layout and output. */
    static CommandLine commandLine(Object command, PrintStream out) {
        return commandLine(command, out, System::getenv);
    }

    private static CommandLine commandLine(
            Object command, PrintStream out, Function<String, String> environment) {
        if (command instanceof WeirCommand weirCommand) {
            weirCommand.printTo(out);
            weirCommand.readEnvironment(environment);
        }
        CommandLine commandLine = new CommandLine(command, new Factory(out, environment));
        commandLine.registerConverter(Duration.class, new DurationConverter());
        commandLine.registerConverter(Long.class, Weir::wholeNumber);
        commandLine.registerConverter(long.class, Weir::wholeNumber);
        commandLine.registerConverter(Integer.class, Weir::intNumber);
        commandLine.registerConverter(int.class, Weir::intNumber);
        commandLine.setUsageHelpWidth(HELP_WIDTH);
        layout(commandLine.getCommandSpec());
        return commandLine;
    }

    /** A whole number, its digits grouped or not: 2000000, 2_000_000. */
    private static Long wholeNumber(String value) {
        try {
            return Long.valueOf(value.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + value + "' is not a whole number");
        }
    }

    private static Integer intNumber(String value) {
        long number = wholeNumber(value);
        if (number != (int) number) {
            throw new TypeConversionException("'" + value + "' is too large");
        }
        return (int) number;
    }

    /**
     * Every command takes --help (picocli's {@code help} command has its own), and lists its
     * options in the order it declares them, most used first.
     */
    private static void layout(CommandSpec spec) {
        if (!(spec.userObject() instanceof HelpCommand)) {
            spec.addOption(
                    OptionSpec.builder("-h", "--help")
                            .usageHelp(true)
                            .description("Show this help and exit.")
                            .build());
        }
        spec.usageMessage().sortOptions(false).sortSynopsis(false);
        spec.subcommands().values().forEach(sub -> layout(sub.getCommandSpec()));
    }

    /** One line saying what is wrong, then the command's usage; exit code 2. */
    private static int wrongArgument(ParameterException e, String[] argv) {
        CommandLine command = e.getCommandLine();
        PrintWriter err = command.getErr();
        err.println(command.getCommandSpec().qualifiedName() + ": " + e.getMessage());
        UnmatchedArgumentException.printSuggestions(e, err);
        err.println();
        command.usage(err);
        err.flush();
        return command.getCommandSpec().exitCodeOnInvalidInput();
    }

    private static int failed(Exception e, CommandLine command, ParseResult parsed) {
        PrintWriter err = command.getErr();
        String name = command.getCommandSpec().qualifiedName();
        int code;
        if (e instanceof IllegalArgumentException) {
            // A configuration mistake: the message says what is wrong.
            err.println(name + ": " + e.getMessage());
            code = command.getCommandSpec().exitCodeOnInvalidInput();
        } else if (e instanceof IllegalStateException) {
            // A cluster or broker said no: its message is the useful part.
            err.println(name + " failed: " + e.getMessage());
            code = command.getCommandSpec().exitCodeOnExecutionException();
        } else {
            err.println(name + " failed: " + e);
            e.printStackTrace(err);
            code = command.getCommandSpec().exitCodeOnExecutionException();
        }
        err.flush();
        return code;
    }

    /**
     * Picocli's instances, each command printing its results to {@code out} and reading {@code
     * environment}.
     */
    private record Factory(PrintStream out, Function<String, String> environment)
            implements IFactory {
        @Override
        public <K> K create(Class<K> type) throws Exception {
            K object = CommandLine.defaultFactory().create(type);
            if (object instanceof WeirCommand command) {
                command.printTo(out);
                command.readEnvironment(environment);
            }
            return object;
        }
    }
}
