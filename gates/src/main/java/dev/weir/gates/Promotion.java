package dev.weir.gates;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Objects;

/**
 * An accepted promotion as the audit trail keeps it: who moved which version from which stage to
 * which, when, and every gate with its evidence.
 *
 * @param model model name
 * @param version the promoted version
 * @param from its stage before
 * @param to its stage after
 * @param by who promoted it: a user name, or {@code governor}
 * @param at ISO-8601 instant of the promotion
 * @param forced whether it was promoted with failing gates ({@code --force}); the gates are
 *     recorded all the same
 * @param reason free text given with the promotion, or null
 * @param gates every gate checked, passed or not
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
        List<GateCheck> gates) {

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public Promotion {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(to, "to");
        gates = gates == null ? List.of() : List.copyOf(gates);
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
