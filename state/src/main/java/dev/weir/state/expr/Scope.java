package dev.weir.state.expr;

/**
 * The identifiers an expression may read, and their slots: consulted once per identifier when the
 * expression is {@linkplain Expression#compile(Scope) compiled}, never while it is evaluated.
 */
@FunctionalInterface
public interface Scope {

    /**
     * The slot of an identifier.
     *
     * @throws IllegalArgumentException saying why, when the identifier cannot be read here
     */
    Slot resolve(String identifier);
}
