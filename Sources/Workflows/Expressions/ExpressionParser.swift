/// Parses the expression language by recursive descent:
///
///     or      := and (("or" | "||") and)*
///     and     := not (("and" | "&&") not)*
///     not     := ("not" | "!") not | compare
///     compare := primary (("==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not in") primary)?
///     primary := literal | path | "exists(" path ")" | "len(" or ")" | "(" or ")" | "[" (or ("," or)*)? "]"
///     path    := name ("." name | "[" integer "]")*
///
/// Input is bounded (4,096 characters, nesting 32 deep) so a definition cannot make the
/// validator or a run spend unbounded time.
public struct ExpressionParser {
    static let maxLength = 4096
    static let maxDepth = 32

    private var tokens: [Token]
    private var position = 0
    private var depth = 0

    public static func parse(_ text: String) throws(ExpressionError) -> Expression {
        guard text.count <= maxLength else { throw ExpressionError("an expression is limited to \(maxLength) characters") }
        var parser = ExpressionParser(tokens: try ExpressionLexer.tokens(of: text))
        guard !parser.tokens.isEmpty else { throw ExpressionError("the expression is empty") }
        let expression = try parser.parseOr()
        if let extra = parser.peek { throw ExpressionError("unexpected \(extra.kind.description)", column: extra.column) }
        return expression
    }

    private init(tokens: [Token]) { self.tokens = tokens }

    private var peek: Token? { position < tokens.count ? tokens[position] : nil }

    private mutating func next() -> Token? {
        defer { position += 1 }
        return peek
    }

    private mutating func take(_ kind: Token.Kind) -> Bool {
        guard peek?.kind == kind else { return false }
        position += 1
        return true
    }

    private mutating func expect(_ kind: Token.Kind, _ what: String) throws(ExpressionError) {
        guard take(kind) else {
            if let token = peek { throw ExpressionError("expected \(what), found \(token.kind.description)", column: token.column) }
            throw ExpressionError("expected \(what) at the end")
        }
    }

    private mutating func nested<T>(_ body: (inout ExpressionParser) throws(ExpressionError) -> T) throws(ExpressionError) -> T {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw ExpressionError("the expression nests more than \(Self.maxDepth) deep", column: peek?.column) }
        return try body(&self)
    }

    private mutating func parseOr() throws(ExpressionError) -> Expression {
        var left = try parseAnd()
        while take(.word("or")) || take(.symbol("||")) { left = .or(left, try parseAnd()) }
        return left
    }

    private mutating func parseAnd() throws(ExpressionError) -> Expression {
        var left = try parseNot()
        while take(.word("and")) || take(.symbol("&&")) { left = .and(left, try parseNot()) }
        return left
    }

    private mutating func parseNot() throws(ExpressionError) -> Expression {
        if take(.word("not")) || take(.symbol("!")) {
            return .not(try nested { (parser: inout ExpressionParser) throws(ExpressionError) in try parser.parseNot() })
        }
        return try parseCompare()
    }

    private mutating func parseCompare() throws(ExpressionError) -> Expression {
        let left = try parsePrimary()
        guard let token = peek else { return left }
        if case let .symbol(symbol) = token.kind, let comparison = Expression.Comparison(rawValue: symbol) {
            position += 1
            return .compare(comparison, left, try parsePrimary())
        }
        if token.kind == .word("in") {
            position += 1
            return .contains(element: left, collection: try parsePrimary(), negated: false)
        }
        if token.kind == .word("not"), position + 1 < tokens.count, tokens[position + 1].kind == .word("in") {
            position += 2
            return .contains(element: left, collection: try parsePrimary(), negated: true)
        }
        return left
    }

    private mutating func parsePrimary() throws(ExpressionError) -> Expression {
        guard let token = next() else { throw ExpressionError("the expression ends where a value was expected") }
        switch token.kind {
        case let .number(value): return .literal(.number(value))
        case let .string(value): return .literal(.string(value))
        case .word("true"): return .literal(.bool(true))
        case .word("false"): return .literal(.bool(false))
        case .word("null"): return .literal(.null)
        case .word("exists"):
            try expect(.symbol("("), "( after exists")
            guard case let .path(path) = try parsePath() else { throw ExpressionError("exists takes a path", column: token.column) }
            try expect(.symbol(")"), ")")
            return .exists(path)
        case .word("len"):
            try expect(.symbol("("), "( after len")
            let inner = try nested { (parser: inout ExpressionParser) throws(ExpressionError) in try parser.parseOr() }
            try expect(.symbol(")"), ")")
            return .length(inner)
        case .symbol("("):
            let inner = try nested { (parser: inout ExpressionParser) throws(ExpressionError) in try parser.parseOr() }
            try expect(.symbol(")"), ")")
            return inner
        case .symbol("["):
            var items: [Expression] = []
            if take(.symbol("]")) { return .list(items) }
            repeat {
                items.append(try nested { (parser: inout ExpressionParser) throws(ExpressionError) in try parser.parseOr() })
            } while take(.symbol(","))
            try expect(.symbol("]"), "] or ,")
            return .list(items)
        case let .word(name) where !ExpressionLexer.keywords.contains(name):
            position -= 1
            return try parsePath()
        default:
            throw ExpressionError("unexpected \(token.kind.description)", column: token.column)
        }
    }

    private mutating func parsePath() throws(ExpressionError) -> Expression {
        guard let first = next(), case let .word(name) = first.kind, !ExpressionLexer.keywords.contains(name) else {
            throw ExpressionError("expected a path such as trigger.image_url", column: tokens[min(position, tokens.count) - 1].column)
        }
        var path: [Expression.PathComponent] = [.field(name)]
        while true {
            if take(.symbol(".")) {
                guard let token = next(), case let .word(field) = token.kind else {
                    throw ExpressionError("expected a field name after .", column: peek?.column ?? tokens.last?.column)
                }
                path.append(.field(field))
            } else if take(.symbol("[")) {
                guard let token = next(), case let .number(value) = token.kind, value >= 0, value == value.rounded(), value < 1e6 else {
                    throw ExpressionError("expected a list index (0, 1, …) after [", column: tokens[min(position, tokens.count) - 1].column)
                }
                path.append(.index(Int(value)))
                try expect(.symbol("]"), "]")
            } else {
                return .path(path)
            }
        }
    }
}
