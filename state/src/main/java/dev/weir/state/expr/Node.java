package dev.weir.state.expr;

import java.util.Set;

/**
 * A parsed expression: the syntax tree, with each node's source text for messages, and its
 * evaluation by identifier name through {@link Expression.Bindings} (identifiers' types are only
 * known at run time there: a string where a number is needed reads as NaN).
 */
sealed interface Node extends java.io.Serializable {

    /** The source text of this node, for messages. */
    String text();

    double number(Expression.Bindings b);

    /** The string value, or null for nodes that have none. */
    default String string(Expression.Bindings b) {
        return null;
    }

    /** Adds every identifier this node reads, in source order. */
    default void collect(Set<String> out) {}

    record Num(String text, double value) implements Node {
        @Override
        public double number(Expression.Bindings b) {
            return value;
        }
    }

    record Str(String text, String value) implements Node {
        @Override
        public double number(Expression.Bindings b) {
            return Double.NaN;
        }

        @Override
        public String string(Expression.Bindings b) {
            return value;
        }
    }

    record Ident(String text, String name) implements Node {
        @Override
        public double number(Expression.Bindings b) {
            return b.number(name);
        }

        @Override
        public String string(Expression.Bindings b) {
            return b.string(name);
        }

        @Override
        public void collect(Set<String> out) {
            out.add(name);
        }
    }

    record Negate(String text, Node operand) implements Node {
        @Override
        public double number(Expression.Bindings b) {
            return -operand.number(b);
        }

        @Override
        public void collect(Set<String> out) {
            operand.collect(out);
        }
    }

    record Not(String text, Node operand) implements Node {
        @Override
        public double number(Expression.Bindings b) {
            return Expression.truthy(operand.number(b)) ? 0 : 1;
        }

        @Override
        public void collect(Set<String> out) {
            operand.collect(out);
        }
    }

    record Binary(String text, BinaryOp op, Node left, Node right) implements Node {
        @Override
        public double number(Expression.Bindings b) {
            if (op.kind == BinaryOp.Kind.EQUALITY) {
                String ls = left.string(b);
                String rs = right.string(b);
                if (ls != null || rs != null) {
                    return op.applyToText(ls, rs);
                }
            }
            return op.apply(left.number(b), right.number(b));
        }

        @Override
        public void collect(Set<String> out) {
            left.collect(out);
            right.collect(out);
        }
    }

    record Call(String text, Function function, Node first, Node second) implements Node {
        @Override
        public double number(Expression.Bindings b) {
            double a = first.number(b);
            return function.apply(a, second == null ? Double.NaN : second.number(b));
        }

        @Override
        public void collect(Set<String> out) {
            first.collect(out);
            if (second != null) {
                second.collect(out);
            }
        }
    }
}
