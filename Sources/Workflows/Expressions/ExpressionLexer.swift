/// One token of the expression language, with the column it starts at (from 1).
struct Token: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// A name or a keyword.
        case word(String)
        case number(Double)
        case string(String)
        case symbol(String)

        var description: String {
            switch self {
            case let .word(word): "\"\(word)\""
            case let .number(value): "number \(value)"
            case .string: "a string"
            case let .symbol(symbol): "\"\(symbol)\""
            }
        }
    }

    var kind: Kind
    var column: Int
}

/// Splits an expression into tokens. Strings are quoted with ' or " and take \\, \' and \" escapes.
enum ExpressionLexer {
    static let keywords: Set<String> = ["and", "or", "not", "in", "true", "false", "null", "exists", "len"]
    static let symbols = ["==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "(", ")", "[", "]", ",", "."]

    static func tokens(of text: String) throws(ExpressionError) -> [Token] {
        let characters = Array(text)
        var tokens: [Token] = []
        var i = 0
        while i < characters.count {
            let c = characters[i]
            let column = i + 1
            if c.isWhitespace { i += 1; continue }
            if c.isLetter || c == "_" {
                var j = i
                while j < characters.count, characters[j].isLetter || characters[j].isNumber || characters[j] == "_" { j += 1 }
                tokens.append(Token(kind: .word(String(characters[i..<j])), column: column))
                i = j
            } else if c.isNumber || (c == "-" && i + 1 < characters.count && characters[i + 1].isNumber && !(tokens.last.map(endsValue) ?? false)) {
                var j = i + 1
                while j < characters.count, characters[j].isNumber || characters[j] == "." { j += 1 }
                // A path index ends at "]" ("matches[0].source" is index 0, then ".source").
                var literal = String(characters[i..<j])
                if tokens.last?.kind == .symbol("["), let dot = literal.firstIndex(of: ".") {
                    literal = String(literal[..<dot])
                    j = i + literal.count
                }
                guard let value = Double(literal), value.isFinite else { throw ExpressionError("\(literal) is not a number", column: column) }
                tokens.append(Token(kind: .number(value), column: column))
                i = j
            } else if c == "'" || c == "\"" {
                var value = ""
                var j = i + 1
                var closed = false
                while j < characters.count {
                    let d = characters[j]
                    if d == "\\", j + 1 < characters.count {
                        value.append(characters[j + 1])
                        j += 2
                        continue
                    }
                    if d == c { closed = true; j += 1; break }
                    value.append(d)
                    j += 1
                }
                guard closed else { throw ExpressionError("a string is not closed", column: column) }
                tokens.append(Token(kind: .string(value), column: column))
                i = j
            } else if let symbol = symbols.first(where: { matches($0, characters, at: i) }) {
                tokens.append(Token(kind: .symbol(symbol), column: column))
                i += symbol.count
            } else {
                throw ExpressionError("unexpected character \"\(c)\"", column: column)
            }
        }
        return tokens
    }

    private static func matches(_ symbol: String, _ characters: [Character], at i: Int) -> Bool {
        let s = Array(symbol)
        guard i + s.count <= characters.count else { return false }
        return Array(characters[i..<(i + s.count)]) == s
    }

    /// Whether a token ends a value (so a "-" after it is not a sign).
    private static func endsValue(_ token: Token) -> Bool {
        switch token.kind {
        case .number, .string: true
        case let .word(word): !keywords.contains(word) || ["true", "false", "null"].contains(word)
        case let .symbol(symbol): symbol == ")" || symbol == "]"
        }
    }
}
