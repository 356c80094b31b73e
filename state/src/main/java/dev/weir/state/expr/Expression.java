package dev.weir.state.expr;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A small expression language for feature filters and derived features.
 *
 * <p>Grammar: numbers, 'single-quoted strings', identifiers (record fields or feature names),
 * {@code + - * /}, comparisons {@code == != < <= > >=}, {@code and or not}, parentheses and the
 * functions {@code log1p abs sqrt min max}. Comparisons and logic yield 1 or 0. Dividing by zero
 * yields NaN, which callers replace with the feature's default value. An absent number reads as
 * NaN, which is false as a condition and makes every comparison but {@code !=} false; an absent
 * string equals nothing (not even another absent string).
 *
 * <p>Two ways to evaluate: {@link #compile(Scope)} resolves identifiers to slots and checks types
 * once, for evaluation on the hot path; {@link #evaluate(Bindings)} looks identifiers up by name on
 * every call, with types known only then, for reference implementations in tests.
 *
 * <p>{@code Expression.parse("channel == 'ONLINE' and amount_minor > 10000")}
 */
public final class Expression implements java.io.Serializable {

    private static final long serialVersionUID = 2L;

    /** Values of identifiers by name: a number, or a string for string-valued fields. */
    public interface Bindings {
        /** The numeric value, or NaN when absent or not numeric. */
        double number(String name);

        /** The string value, or null when absent or not a string. */
        String string(String name);
    }

    private final String source;
    private final Node root;

    private Expression(String source, Node root) {
        this.source = source;
        this.root = root;
    }

    /**
     * @throws IllegalArgumentException naming the expression and the position of a syntax error
     */
    public static Expression parse(String source) {
        return new Expression(source, Parser.parse(source));
    }

    /**
     * Resolves every identifier through {@code scope} (once each) and checks types: strings may
     * only be compared with strings by {@code ==} and {@code !=}; arithmetic, order comparisons,
     * logic, functions and the expression's own value need numbers.
     *
     * @throws IllegalArgumentException naming the expression and the offending part, for a type
     *     error or an identifier the scope cannot resolve
     */
    public CompiledExpression compile(Scope scope) {
        return new CompiledExpression(source, Compiler.compile(source, root, scope));
    }

    /**
     * The value, looking identifiers up by name: a string where a number is needed reads as NaN.
     * The engine evaluates {@linkplain #compile(Scope) compiled} expressions instead.
     */
    public double evaluate(Bindings bindings) {
        return root.number(bindings);
    }

    /** {@link #evaluate(Bindings)} as a condition: true when neither 0 nor NaN. */
    public boolean test(Bindings bindings) {
        return truthy(root.number(bindings));
    }

    /** Every identifier the expression reads. */
    public Set<String> identifiers() {
        Set<String> out = new LinkedHashSet<>();
        root.collect(out);
        return out;
    }

    public String source() {
        return source;
    }

    @Override
    public String toString() {
        return source;
    }

    /** The truth of a number: neither 0 nor NaN. */
    static boolean truthy(double v) {
        return v != 0 && !Double.isNaN(v);
    }
}
