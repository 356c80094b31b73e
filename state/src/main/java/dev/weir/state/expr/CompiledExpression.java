package dev.weir.state.expr;

/**
 * An expression compiled against a {@link Scope}: its identifiers read resolved slots of a {@link
 * Frame}, its types are checked, and an evaluation does no lookup by name or symbol. Gives the same
 * values as {@link Expression#evaluate(Expression.Bindings)} with bindings that answer as the frame
 * does. Stateless and immutable: one instance may serve any number of frames.
 *
 * <pre>{@code
 * CompiledExpression big = Expression.parse("amount_minor > 10000").compile(name -> Slot.numberField(0));
 * boolean matches = big.test(frame);
 * }</pre>
 */
public final class CompiledExpression {

    private final String source;
    private final NumberTerm root;

    CompiledExpression(String source, NumberTerm root) {
        this.source = source;
        this.root = root;
    }

    /**
     * The value: comparisons and logic give 1 or 0; division by zero and absent numbers give NaN.
     */
    public double evaluate(Frame frame) {
        return root.evaluate(frame);
    }

    /** As a condition: true when the value is neither 0 nor NaN. */
    public boolean test(Frame frame) {
        return Expression.truthy(root.evaluate(frame));
    }

    public String source() {
        return source;
    }

    @Override
    public String toString() {
        return source;
    }
}
