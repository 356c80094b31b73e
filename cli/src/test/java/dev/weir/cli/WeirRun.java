package dev.weir.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** One run of the weir command line in this JVM: its exit code and what it printed. */
public final class WeirRun {

    public final int code;
    public final String out;
    public final String err;

    private WeirRun(int code, String out, String err) {
        this.code = code;
        this.out = out;
        this.err = err;
    }

    public int code() {
        return code;
    }

    public String out() {
        return out;
    }

    public String err() {
        return err;
    }

    /** Runs {@code weir args...} as a shell would, with both streams captured. */
    public static WeirRun weir(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code =
                Weir.execute(
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8),
                        args);
        return new WeirRun(
                code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
