package dev.weir.operators.scoring;

import java.io.Serializable;

/**
 * The reason codes the champion attaches to each score: its {@code top} largest feature
 * contributions by magnitude, from integrated gradients computed in the same micro-batch as the
 * scores (models/README.md, Reason codes). {@code top} 0 turns them off.
 *
 * <p>{@code new ReasonCodes(3)}
 */
public record ReasonCodes(int top) implements Serializable {

    /** Three reasons per score: the pipeline's default. */
    public static final ReasonCodes DEFAULT = new ReasonCodes(3);

    /** No reason codes and no attributions. */
    public static final ReasonCodes OFF = new ReasonCodes(0);

    public ReasonCodes {
        if (top < 0) {
            throw new IllegalArgumentException("reason codes per score must be >= 0, got " + top);
        }
    }

    public boolean enabled() {
        return top > 0;
    }
}
