package dev.weir.state.expr;

import java.util.Locale;

/** The functions of the language, each taking numbers and giving a number. */
enum Function {
    LOG1P(1) {
        @Override
        double apply(double a, double b) {
            return Math.log1p(a);
        }
    },
    ABS(1) {
        @Override
        double apply(double a, double b) {
            return Math.abs(a);
        }
    },
    SQRT(1) {
        @Override
        double apply(double a, double b) {
            return Math.sqrt(a);
        }
    },
    MIN(2) {
        @Override
        double apply(double a, double b) {
            return Math.min(a, b);
        }
    },
    MAX(2) {
        @Override
        double apply(double a, double b) {
            return Math.max(a, b);
        }
    };

    final int arity;

    Function(int arity) {
        this.arity = arity;
    }

    /** The value for arguments {@code a} and {@code b}; one-argument functions ignore {@code b}. */
    abstract double apply(double a, double b);

    /** The function a name denotes, whatever its case, or null. */
    static Function named(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "log1p" -> LOG1P;
            case "abs" -> ABS;
            case "sqrt" -> SQRT;
            case "min" -> MIN;
            case "max" -> MAX;
            default -> null;
        };
    }

    String displayName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
