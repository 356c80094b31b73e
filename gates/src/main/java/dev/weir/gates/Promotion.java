package dev.weir.gates;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Objects;

/**
 * A change of stage as the audit trail keeps it: who moved which version from which stage to which,
 * when, and every gate with its evidence; or, for the ungated ways in (a rollback, a challenger set
 * directly), why no gate was judged.
 *
 * <p>Records written before {@code ungated} existed read with it null: they were all gated
 * promotions. Fields this release does not know are ignored, so a later release's records read too.
 *
 * @param model model name
 * @param version the version that moved
 * @param from its stage before
 * @param to its stage after
 * @param by who moved it: a user name, or {@code governor}
 * @param at ISO-8601 instant of the change
 * @param forced whether it was promoted with failing gates ({@code --force}); the gates are
 *     recorded all the same
 * @param reason free text given with the change, or null
 * @param gates every gate checked, passed or not; none when ungated
 * @param ungated null when the gates of the step were judged; else why they were not, starting with
 *     what moved the version ({@link #ROLLBACK}, {@link #CHALLENGER_SET}, {@link
 *     #CHALLENGER_CLEARED})
 */
public record Promotion(
        String model,
        String version,
        Stage from,
        Stage to,
        String by,
        String at,
        boolean forced,
        String reason,
        List<GateCheck> gates,
        String ungated) {

    /** How an ungated rollback's {@code ungated} begins. */
    public static final String ROLLBACK = "rollback";

    /** How {@code ungated} begins for a challenger set without the to_test gates. */
    public static final String CHALLENGER_SET = "challenger set directly";

    /** How {@code ungated} begins for a challenger cleared (back to construct). */
    public static final String CHALLENGER_CLEARED = "challenger cleared directly";

    private static final ObjectMapper JSON =
            new ObjectMapper()
                    .enable(SerializationFeature.INDENT_OUTPUT)
                    .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public Promotion {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(to, "to");
        gates = gates == null ? List.of() : List.copyOf(gates);
    }

    /** A gated promotion: its gates were judged. */
    public Promotion(
            String model,
            String version,
            Stage from,
            Stage to,
            String by,
            String at,
            boolean forced,
            String reason,
            List<GateCheck> gates) {
        this(model, version, from, to, by, at, forced, reason, gates, null);
    }

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Promotion fromJson(byte[] json) {
        try {
            return JSON.readValue(json, Promotion.class);
        } catch (IOException e) {
            throw new UncheckedIOException("not a promotion record: " + e.getMessage(), e);
        }
    }
}
