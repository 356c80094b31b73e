package dev.weir.cli;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * A {@code weir} command that does something (a command with subcommands only groups them): its
 * options are fields, {@link #run} does the work and prints to {@link #out}. Mistakes in how it was
 * called are {@link ParameterException}s ({@link #usage}), so they exit with code 2 and the
 * command's usage like the mistakes picocli finds itself.
 */
public abstract class WeirCommand implements Callable<Integer> {

    @Spec protected CommandSpec spec;

    protected PrintStream out = System.out;

    /** Where the command reads environment variables (secrets among them). */
    protected Function<String, String> environment = System::getenv;

    /** The process's exit code when {@link #run} returns normally. */
    protected int exitCode = 0;

    /** Where {@link #run} prints its results (help and usage go to picocli's writers). */
    public void printTo(PrintStream out) {
        this.out = out;
    }

    /** Reads environment variables from {@code environment} instead of this process's. */
    public void readEnvironment(Function<String, String> environment) {
        this.environment = environment;
    }

    @Override
    public final Integer call() throws Exception {
        run();
        return exitCode;
    }

    protected abstract void run() throws Exception;

    /** A mistake in how the command was called, reported as picocli reports its own. */
    protected ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /** {@code value}, when at least {@code min}. */
    protected long atLeast(String option, long value, long min) {
        if (value < min) {
            throw usage(option + " must be at least " + min + ", got " + value);
        }
        return value;
    }

    /** {@code value}, when at least {@code min}. */
    protected int atLeast(String option, int value, int min) {
        return (int) atLeast(option, (long) value, min);
    }

    /** {@code value}, when in {@code [min, max]}. */
    protected double within(String option, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw usage(option + " must be in [" + min + ", " + max + "], got " + value);
        }
        return value;
    }
}
