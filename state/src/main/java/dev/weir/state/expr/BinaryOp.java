package dev.weir.state.expr;

/**
 * The binary operators and what they mean on numbers. Both ways of evaluating an expression (by
 * name through {@link Expression.Bindings}, and compiled to slots) apply these same definitions.
 */
enum BinaryOp {
    OR("or", Kind.LOGIC) {
        @Override
        double apply(double l, double r) {
            return Expression.truthy(l) || Expression.truthy(r) ? 1 : 0;
        }
    },
    AND("and", Kind.LOGIC) {
        @Override
        double apply(double l, double r) {
            return Expression.truthy(l) && Expression.truthy(r) ? 1 : 0;
        }
    },
    EQUAL("==", Kind.EQUALITY) {
        @Override
        double apply(double l, double r) {
            return l == r ? 1 : 0;
        }
    },
    NOT_EQUAL("!=", Kind.EQUALITY) {
        @Override
        double apply(double l, double r) {
            return l == r ? 0 : 1;
        }
    },
    LESS("<", Kind.ORDER) {
        @Override
        double apply(double l, double r) {
            return l < r ? 1 : 0;
        }
    },
    LESS_OR_EQUAL("<=", Kind.ORDER) {
        @Override
        double apply(double l, double r) {
            return l <= r ? 1 : 0;
        }
    },
    GREATER(">", Kind.ORDER) {
        @Override
        double apply(double l, double r) {
            return l > r ? 1 : 0;
        }
    },
    GREATER_OR_EQUAL(">=", Kind.ORDER) {
        @Override
        double apply(double l, double r) {
            return l >= r ? 1 : 0;
        }
    },
    ADD("+", Kind.ARITHMETIC) {
        @Override
        double apply(double l, double r) {
            return l + r;
        }
    },
    SUBTRACT("-", Kind.ARITHMETIC) {
        @Override
        double apply(double l, double r) {
            return l - r;
        }
    },
    MULTIPLY("*", Kind.ARITHMETIC) {
        @Override
        double apply(double l, double r) {
            return l * r;
        }
    },
    DIVIDE("/", Kind.ARITHMETIC) {
        @Override
        double apply(double l, double r) {
            // NaN rather than an infinity: callers replace non-finite values by a default.
            return r == 0 ? Double.NaN : l / r;
        }
    };

    /** Which operands an operator takes: equality alone also compares strings. */
    enum Kind {
        LOGIC,
        EQUALITY,
        ORDER,
        ARITHMETIC
    }

    final String symbol;
    final Kind kind;

    BinaryOp(String symbol, Kind kind) {
        this.symbol = symbol;
        this.kind = kind;
    }

    /** The result on two numbers: 1 or 0 for logic and comparisons, NaN for a division by zero. */
    abstract double apply(double l, double r);

    /**
     * The result of {@link #EQUAL} or {@link #NOT_EQUAL} on strings: a null (absent) string equals
     * nothing, not even another null.
     */
    double applyToText(String l, String r) {
        boolean equal = l != null && l.equals(r);
        return (this == EQUAL) == equal ? 1 : 0;
    }
}
