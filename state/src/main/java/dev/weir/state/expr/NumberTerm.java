package dev.weir.state.expr;

/**
 * A compiled, type-checked node whose value is a number. Identifiers are read through their
 * resolved {@link Slot} indices and operators are fixed per node, so an evaluation does no lookup
 * by name or by operator symbol.
 */
interface NumberTerm {

    double evaluate(Frame frame);

    record Constant(double value) implements NumberTerm {
        @Override
        public double evaluate(Frame frame) {
            return value;
        }
    }

    record Field(int index) implements NumberTerm {
        @Override
        public double evaluate(Frame frame) {
            return frame.fieldNumber(index);
        }
    }

    record Value(int index) implements NumberTerm {
        @Override
        public double evaluate(Frame frame) {
            return frame.value(index);
        }
    }

    record Negate(NumberTerm operand) implements NumberTerm {
        @Override
        public double evaluate(Frame frame) {
            return -operand.evaluate(frame);
        }
    }

    record Not(NumberTerm operand) implements NumberTerm {
        @Override
        public double evaluate(Frame frame) {
            return Expression.truthy(operand.evaluate(frame)) ? 0 : 1;
        }
    }

    /** {@link BinaryOp#AND}, reading the right side only when the left one is true. */
    record And(NumberTerm left, NumberTerm right) implements NumberTerm {
        @Override
        public double evaluate(Frame frame) {
            return Expression.truthy(left.evaluate(frame))
                            && Expression.truthy(right.evaluate(frame))
                    ? 1
                    : 0;
        }
    }

    /** {@link BinaryOp#OR}, reading the right side only when the left one is false. */
    record Or(NumberTerm left, NumberTerm right) implements NumberTerm {
        @Override
        public double evaluate(Frame frame) {
            return Expression.truthy(left.evaluate(frame))
                            || Expression.truthy(right.evaluate(frame))
                    ? 1
                    : 0;
        }
    }

    /** Arithmetic, an order comparison or an equality, on two numbers. */
    record Binary(BinaryOp op, NumberTerm left, NumberTerm right) implements NumberTerm {
        @Override
        public double evaluate(Frame frame) {
            return op.apply(left.evaluate(frame), right.evaluate(frame));
        }
    }

    /** {@code ==} or {@code !=} on two strings. */
    record TextEquality(BinaryOp op, TextTerm left, TextTerm right) implements NumberTerm {
        @Override
        public double evaluate(Frame frame) {
            return op.applyToText(left.evaluate(frame), right.evaluate(frame));
        }
    }

    record Call1(Function function, NumberTerm argument) implements NumberTerm {
        @Override
        public double evaluate(Frame frame) {
            return function.apply(argument.evaluate(frame), Double.NaN);
        }
    }

    record Call2(Function function, NumberTerm first, NumberTerm second) implements NumberTerm {
        @Override
        public double evaluate(Frame frame) {
            double a = first.evaluate(frame);
            return function.apply(a, second.evaluate(frame));
        }
    }
}
