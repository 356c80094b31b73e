package dev.weir.state.expr;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A small expression language for feature filters and derived features.
 *
 * <p>Grammar: numbers, 'single-quoted strings', identifiers (record fields or feature names),
 * {@code + - * /}, comparisons {@code == != < <= > >=}, {@code and or not}, parentheses and the
 * functions {@code log1p abs sqrt min max}. Comparisons and logic yield 1 or 0. Dividing by zero
 * yields NaN, which callers replace with the feature's default value.
 *
 * <p>{@code Expression.parse("channel == 'ONLINE' and amount_minor > 10000")}
 */
public final class Expression implements java.io.Serializable {

    private static final long serialVersionUID = 1L;

    /** Values of identifiers: a number, or a string for string-valued fields. */
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

    public static Expression parse(String source) {
        Parser parser = new Parser(source);
        Node node = parser.parseOr();
        parser.expectEnd();
        return new Expression(source, node);
    }

    public double evaluate(Bindings bindings) {
        return root.number(bindings);
    }

    public boolean test(Bindings bindings) {
        double v = root.number(bindings);
        return v != 0 && !Double.isNaN(v);
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

    private interface Node extends java.io.Serializable {
        double number(Bindings b);

        default String string(Bindings b) {
            return null;
        }

        default void collect(Set<String> out) {}
    }

    private record Num(double value) implements Node {
        public double number(Bindings b) {
            return value;
        }
    }

    private record Str(String value) implements Node {
        public double number(Bindings b) {
            return Double.NaN;
        }

        public String string(Bindings b) {
            return value;
        }
    }

    private record Ident(String name) implements Node {
        public double number(Bindings b) {
            return b.number(name);
        }

        public String string(Bindings b) {
            return b.string(name);
        }

        public void collect(Set<String> out) {
            out.add(name);
        }
    }

    private record Unary(String op, Node operand) implements Node {
        public double number(Bindings b) {
            double v = operand.number(b);
            return op.equals("-") ? -v : (v == 0 || Double.isNaN(v) ? 1 : 0);
        }

        public void collect(Set<String> out) {
            operand.collect(out);
        }
    }

    private record Binary(String op, Node left, Node right) implements Node {
        public double number(Bindings b) {
            switch (op) {
                case "and":
                    return truthy(left.number(b)) && truthy(right.number(b)) ? 1 : 0;
                case "or":
                    return truthy(left.number(b)) || truthy(right.number(b)) ? 1 : 0;
                case "==":
                case "!=": {
                    boolean eq = equal(b);
                    return (op.equals("==") == eq) ? 1 : 0;
                }
                default:
                    break;
            }
            double l = left.number(b);
            double r = right.number(b);
            switch (op) {
                case "+":
                    return l + r;
                case "-":
                    return l - r;
                case "*":
                    return l * r;
                case "/":
                    return r == 0 ? Double.NaN : l / r;
                case "<":
                    return l < r ? 1 : 0;
                case "<=":
                    return l <= r ? 1 : 0;
                case ">":
                    return l > r ? 1 : 0;
                case ">=":
                    return l >= r ? 1 : 0;
                default:
                    throw new IllegalStateException(op);
            }
        }

        private boolean equal(Bindings b) {
            String ls = left.string(b);
            String rs = right.string(b);
            if (ls != null || rs != null) {
                return ls != null && ls.equals(rs);
            }
            return left.number(b) == right.number(b);
        }

        public void collect(Set<String> out) {
            left.collect(out);
            right.collect(out);
        }
    }

    private record Call(String function, List<Node> args) implements Node {
        public double number(Bindings b) {
            double a = args.get(0).number(b);
            switch (function) {
                case "log1p":
                    return Math.log1p(a);
                case "abs":
                    return Math.abs(a);
                case "sqrt":
                    return Math.sqrt(a);
                case "min":
                    return Math.min(a, args.get(1).number(b));
                case "max":
                    return Math.max(a, args.get(1).number(b));
                default:
                    throw new IllegalStateException(function);
            }
        }

        public void collect(Set<String> out) {
            args.forEach(a -> a.collect(out));
        }
    }

    private static boolean truthy(double v) {
        return v != 0 && !Double.isNaN(v);
    }

    /** Recursive descent over a hand-written tokenizer; errors name the position. */
    private static final class Parser {
        private final String s;
        private int pos;

        Parser(String s) {
            this.s = s;
        }

        Node parseOr() {
            Node left = parseAnd();
            while (keyword("or")) {
                left = new Binary("or", left, parseAnd());
            }
            return left;
        }

        Node parseAnd() {
            Node left = parseNot();
            while (keyword("and")) {
                left = new Binary("and", left, parseNot());
            }
            return left;
        }

        Node parseNot() {
            if (keyword("not")) {
                return new Unary("not", parseNot());
            }
            return parseComparison();
        }

        Node parseComparison() {
            Node left = parseSum();
            for (String op : new String[] {"==", "!=", "<=", ">=", "<", ">"}) {
                if (symbol(op)) {
                    return new Binary(op, left, parseSum());
                }
            }
            return left;
        }

        Node parseSum() {
            Node left = parseProduct();
            while (true) {
                if (symbol("+")) {
                    left = new Binary("+", left, parseProduct());
                } else if (symbol("-")) {
                    left = new Binary("-", left, parseProduct());
                } else {
                    return left;
                }
            }
        }

        Node parseProduct() {
            Node left = parseUnary();
            while (true) {
                if (symbol("*")) {
                    left = new Binary("*", left, parseUnary());
                } else if (symbol("/")) {
                    left = new Binary("/", left, parseUnary());
                } else {
                    return left;
                }
            }
        }

        Node parseUnary() {
            if (symbol("-")) {
                return new Unary("-", parseUnary());
            }
            return parsePrimary();
        }

        Node parsePrimary() {
            skipSpace();
            if (pos >= s.length()) {
                throw error("unexpected end");
            }
            char c = s.charAt(pos);
            if (symbol("(")) {
                Node inner = parseOr();
                expect(")");
                return inner;
            }
            if (c == '\'') {
                int end = s.indexOf('\'', pos + 1);
                if (end < 0) {
                    throw error("unterminated string");
                }
                String value = s.substring(pos + 1, end);
                pos = end + 1;
                return new Str(value);
            }
            if (Character.isDigit(c) || c == '.') {
                int start = pos;
                while (pos < s.length() && (Character.isDigit(s.charAt(pos)) || s.charAt(pos) == '.'
                        || s.charAt(pos) == 'e' || s.charAt(pos) == 'E'
                        || ((s.charAt(pos) == '-' || s.charAt(pos) == '+') && pos > start
                                && (s.charAt(pos - 1) == 'e' || s.charAt(pos - 1) == 'E')))) {
                    pos++;
                }
                try {
                    return new Num(Double.parseDouble(s.substring(start, pos)));
                } catch (NumberFormatException e) {
                    throw error("bad number '" + s.substring(start, pos) + "'");
                }
            }
            if (Character.isLetter(c) || c == '_') {
                int start = pos;
                while (pos < s.length() && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '_'
                        || s.charAt(pos) == '.')) {
                    pos++;
                }
                String name = s.substring(start, pos);
                if (symbol("(")) {
                    String fn = name.toLowerCase(Locale.ROOT);
                    int arity = switch (fn) {
                        case "log1p", "abs", "sqrt" -> 1;
                        case "min", "max" -> 2;
                        default -> throw error("unknown function '" + name + "'");
                    };
                    List<Node> args = new ArrayList<>();
                    args.add(parseOr());
                    while (symbol(",")) {
                        args.add(parseOr());
                    }
                    expect(")");
                    if (args.size() != arity) {
                        throw error(name + " takes " + arity + " argument(s)");
                    }
                    return new Call(fn, args);
                }
                return new Ident(name);
            }
            throw error("unexpected '" + c + "'");
        }

        boolean keyword(String word) {
            skipSpace();
            int end = pos + word.length();
            if (s.regionMatches(true, pos, word, 0, word.length())
                    && (end == s.length() || !Character.isLetterOrDigit(s.charAt(end)) && s.charAt(end) != '_')) {
                pos = end;
                return true;
            }
            return false;
        }

        boolean symbol(String sym) {
            skipSpace();
            if (s.startsWith(sym, pos)) {
                // '<' must not swallow the first char of '<=' and so on: longer ones are tried first.
                pos += sym.length();
                return true;
            }
            return false;
        }

        void expect(String sym) {
            if (!symbol(sym)) {
                throw error("expected '" + sym + "'");
            }
        }

        void expectEnd() {
            skipSpace();
            if (pos != s.length()) {
                throw error("unexpected '" + s.substring(pos) + "'");
            }
        }

        void skipSpace() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
                pos++;
            }
        }

        IllegalArgumentException error(String what) {
            return new IllegalArgumentException("in expression \"" + s + "\" at " + pos + ": " + what);
        }
    }
}
