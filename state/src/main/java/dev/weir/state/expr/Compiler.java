package dev.weir.state.expr;

import java.util.HashMap;
import java.util.Map;

/**
 * Turns a syntax tree into {@link NumberTerm}s: resolves each identifier once through a {@link
 * Scope} and checks types. Strings (literals and string fields) may only be compared with strings
 * by {@code ==} and {@code !=}; everything else takes and gives numbers. A type error names the
 * expression and the offending part.
 */
final class Compiler {

    private final String source;
    private final Scope scope;
    private final Map<String, Slot> slots = new HashMap<>();

    private Compiler(String source, Scope scope) {
        this.source = source;
        this.scope = scope;
    }

    static NumberTerm compile(String source, Node root, Scope scope) {
        return new Compiler(source, scope).number(root, "the expression must give a number");
    }

    /**
     * A term for a node that must be a number; {@code need} says what needs it, for the message.
     */
    private NumberTerm number(Node node, String need) {
        if (isText(node)) {
            throw error(need + ", but " + node.text() + " is a string");
        }
        if (node instanceof Node.Num num) {
            return new NumberTerm.Constant(num.value());
        }
        if (node instanceof Node.Ident ident) {
            Slot slot = slot(ident);
            return slot.kind() == Slot.Kind.VALUE
                    ? new NumberTerm.Value(slot.index())
                    : new NumberTerm.Field(slot.index());
        }
        if (node instanceof Node.Negate negate) {
            return new NumberTerm.Negate(number(negate.operand(), "'-' needs a number"));
        }
        if (node instanceof Node.Not not) {
            return new NumberTerm.Not(number(not.operand(), "'not' needs a number"));
        }
        if (node instanceof Node.Binary binary) {
            return binary(binary);
        }
        if (node instanceof Node.Call call) {
            return call(call);
        }
        throw new IllegalStateException("unknown node " + node);
    }

    private NumberTerm binary(Node.Binary b) {
        String op = "'" + b.op().symbol + "'";
        switch (b.op().kind) {
            case LOGIC:
                {
                    NumberTerm left = number(b.left(), op + " needs numbers");
                    NumberTerm right = number(b.right(), op + " needs numbers");
                    return b.op() == BinaryOp.AND
                            ? new NumberTerm.And(left, right)
                            : new NumberTerm.Or(left, right);
                }
            case EQUALITY:
                {
                    boolean leftText = isText(b.left());
                    boolean rightText = isText(b.right());
                    if (leftText && rightText) {
                        return new NumberTerm.TextEquality(b.op(), text(b.left()), text(b.right()));
                    }
                    if (leftText != rightText) {
                        Node string = leftText ? b.left() : b.right();
                        Node number = leftText ? b.right() : b.left();
                        throw error(
                                op
                                        + " compares two numbers or two strings, but "
                                        + number.text()
                                        + " is a number and "
                                        + string.text()
                                        + " is a string");
                    }
                    return new NumberTerm.Binary(
                            b.op(),
                            number(b.left(), op + " compares numbers"),
                            number(b.right(), op + " compares numbers"));
                }
            case ORDER:
                {
                    NumberTerm left = number(b.left(), op + " compares numbers");
                    NumberTerm right = number(b.right(), op + " compares numbers");
                    return new NumberTerm.Binary(b.op(), left, right);
                }
            default:
                {
                    NumberTerm left = number(b.left(), op + " needs numbers");
                    NumberTerm right = number(b.right(), op + " needs numbers");
                    return new NumberTerm.Binary(b.op(), left, right);
                }
        }
    }

    private NumberTerm call(Node.Call call) {
        Function function = call.function();
        if (function.arity == 1) {
            return new NumberTerm.Call1(
                    function, number(call.first(), function.displayName() + " needs a number"));
        }
        String need = function.displayName() + " needs numbers";
        NumberTerm first = number(call.first(), need);
        return new NumberTerm.Call2(function, first, number(call.second(), need));
    }

    private TextTerm text(Node node) {
        if (node instanceof Node.Str str) {
            return new TextTerm.Literal(str.value());
        }
        return new TextTerm.Field(slot((Node.Ident) node).index());
    }

    private boolean isText(Node node) {
        return node instanceof Node.Str || node instanceof Node.Ident ident && slot(ident).text();
    }

    private Slot slot(Node.Ident ident) {
        Slot slot = slots.get(ident.name());
        if (slot == null) {
            try {
                slot = scope.resolve(ident.name());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(prefix() + e.getMessage(), e);
            }
            if (slot == null) {
                throw error("unknown identifier '" + ident.name() + "'");
            }
            slots.put(ident.name(), slot);
        }
        return slot;
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException(prefix() + what);
    }

    private String prefix() {
        return "in expression \"" + source + "\": ";
    }
}
