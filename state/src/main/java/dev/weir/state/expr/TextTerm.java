package dev.weir.state.expr;

/** A compiled node whose value is a string: a literal or a string field; null when absent. */
interface TextTerm {

    String evaluate(Frame frame);

    record Literal(String value) implements TextTerm {
        @Override
        public String evaluate(Frame frame) {
            return value;
        }
    }

    record Field(int index) implements TextTerm {
        @Override
        public String evaluate(Frame frame) {
            return frame.fieldText(index);
        }
    }
}
