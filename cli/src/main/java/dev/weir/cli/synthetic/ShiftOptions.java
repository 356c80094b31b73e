package dev.weir.cli.synthetic;

import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * A distribution shift of the synthetic payments, to show drift being caught: the options {@code
 * weir produce} and {@code weir demo} share.
 */
public final class ShiftOptions {

    @Option(
            names = "--shift-after",
            paramLabel = "DURATION",
            description =
                    "Shift the distributions after this long (amounts and countries), to show"
                            + " drift being caught.")
    private Duration after;

    @Option(
            names = "--shift-amount-scale",
            paramLabel = "X",
            defaultValue = "3",
            description = "After the shift, amounts times X.%nDefault: ${DEFAULT-VALUE}.")
    private double amountScale;

    @Option(
            names = "--shift-foreign-share",
            paramLabel = "F",
            defaultValue = "0.5",
            description =
                    "After the shift, the share of payments abroad.%nDefault: "
                            + "${DEFAULT-VALUE}.")
    private double foreignShare;

    /** When to shift, or null for no shift. */
    public Duration after() {
        return after;
    }

    public double amountScale() {
        return amountScale;
    }

    public double foreignShare() {
        return foreignShare;
    }
}
