package dev.weir.state.expr;

/**
 * Recursive descent over a hand-written tokenizer. Precedence, loosest first: {@code or}, {@code
 * and}, {@code not}, one comparison (not chained), {@code + -}, {@code * /}, unary {@code -};
 * binary operators associate to the left. Keywords and function names are case-insensitive,
 * identifiers are not. Errors name the expression and the position.
 */
final class Parser {

    /** Longer symbols first, so that {@code <} does not take the first character of {@code <=}. */
    private static final BinaryOp[] COMPARISONS = {
        BinaryOp.EQUAL,
        BinaryOp.NOT_EQUAL,
        BinaryOp.LESS_OR_EQUAL,
        BinaryOp.GREATER_OR_EQUAL,
        BinaryOp.LESS,
        BinaryOp.GREATER
    };

    private final String s;
    private int pos;

    private Parser(String s) {
        this.s = s;
    }

    /** The syntax tree of a whole expression. */
    static Node parse(String source) {
        Parser parser = new Parser(source);
        Node node = parser.parseOr();
        parser.expectEnd();
        return node;
    }

    private Node parseOr() {
        int start = mark();
        Node left = parseAnd();
        while (keyword("or")) {
            Node right = parseAnd();
            left = new Node.Binary(textFrom(start), BinaryOp.OR, left, right);
        }
        return left;
    }

    private Node parseAnd() {
        int start = mark();
        Node left = parseNot();
        while (keyword("and")) {
            Node right = parseNot();
            left = new Node.Binary(textFrom(start), BinaryOp.AND, left, right);
        }
        return left;
    }

    private Node parseNot() {
        int start = mark();
        if (keyword("not")) {
            Node operand = parseNot();
            return new Node.Not(textFrom(start), operand);
        }
        return parseComparison();
    }

    private Node parseComparison() {
        int start = mark();
        Node left = parseSum();
        for (BinaryOp op : COMPARISONS) {
            if (symbol(op.symbol)) {
                Node right = parseSum();
                return new Node.Binary(textFrom(start), op, left, right);
            }
        }
        return left;
    }

    private Node parseSum() {
        int start = mark();
        Node left = parseProduct();
        while (true) {
            BinaryOp op = symbol("+") ? BinaryOp.ADD : symbol("-") ? BinaryOp.SUBTRACT : null;
            if (op == null) {
                return left;
            }
            Node right = parseProduct();
            left = new Node.Binary(textFrom(start), op, left, right);
        }
    }

    private Node parseProduct() {
        int start = mark();
        Node left = parseUnary();
        while (true) {
            BinaryOp op = symbol("*") ? BinaryOp.MULTIPLY : symbol("/") ? BinaryOp.DIVIDE : null;
            if (op == null) {
                return left;
            }
            Node right = parseUnary();
            left = new Node.Binary(textFrom(start), op, left, right);
        }
    }

    private Node parseUnary() {
        int start = mark();
        if (symbol("-")) {
            Node operand = parseUnary();
            return new Node.Negate(textFrom(start), operand);
        }
        return parsePrimary();
    }

    private Node parsePrimary() {
        int start = mark();
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
            return new Node.Str(textFrom(start), value);
        }
        if (Character.isDigit(c) || c == '.') {
            while (pos < s.length() && numberChar(s.charAt(pos), start)) {
                pos++;
            }
            try {
                return new Node.Num(textFrom(start), Double.parseDouble(textFrom(start)));
            } catch (NumberFormatException e) {
                throw error("bad number '" + textFrom(start) + "'");
            }
        }
        if (Character.isLetter(c) || c == '_') {
            while (pos < s.length()
                    && (Character.isLetterOrDigit(s.charAt(pos))
                            || s.charAt(pos) == '_'
                            || s.charAt(pos) == '.')) {
                pos++;
            }
            String name = textFrom(start);
            if (symbol("(")) {
                return parseCall(start, name);
            }
            return new Node.Ident(name, name);
        }
        throw error("unexpected '" + c + "'");
    }

    /** Digits, a dot, an exponent and the exponent's sign. */
    private boolean numberChar(char ch, int start) {
        if (Character.isDigit(ch) || ch == '.' || ch == 'e' || ch == 'E') {
            return true;
        }
        return (ch == '-' || ch == '+')
                && pos > start
                && (s.charAt(pos - 1) == 'e' || s.charAt(pos - 1) == 'E');
    }

    /** The arguments and closing parenthesis of a call whose name and '(' are read. */
    private Node parseCall(int start, String name) {
        Function function = Function.named(name);
        if (function == null) {
            throw error("unknown function '" + name + "'");
        }
        Node first = parseOr();
        Node second = null;
        int count = 1;
        while (symbol(",")) {
            Node next = parseOr();
            second = second == null ? next : second;
            count++;
        }
        expect(")");
        if (count != function.arity) {
            throw error(name + " takes " + function.arity + " argument(s)");
        }
        return new Node.Call(textFrom(start), function, first, second);
    }

    private boolean keyword(String word) {
        skipSpace();
        int end = pos + word.length();
        if (s.regionMatches(true, pos, word, 0, word.length())
                && (end == s.length()
                        || !Character.isLetterOrDigit(s.charAt(end)) && s.charAt(end) != '_')) {
            pos = end;
            return true;
        }
        return false;
    }

    private boolean symbol(String sym) {
        skipSpace();
        if (s.startsWith(sym, pos)) {
            pos += sym.length();
            return true;
        }
        return false;
    }

    private void expect(String sym) {
        if (!symbol(sym)) {
            throw error("expected '" + sym + "'");
        }
    }

    private void expectEnd() {
        skipSpace();
        if (pos != s.length()) {
            throw error("unexpected '" + s.substring(pos) + "'");
        }
    }

    /** The position of the next token. */
    private int mark() {
        skipSpace();
        return pos;
    }

    private String textFrom(int start) {
        return s.substring(start, pos);
    }

    private void skipSpace() {
        while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
            pos++;
        }
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("in expression \"" + s + "\" at " + pos + ": " + what);
    }
}
