/// A parsed condition or template value: comparisons, `and`/`or`/`not`, `in`, `exists(path)` and
/// `len(path)` over paths into the trigger and earlier steps. No loops, no calls out, no
/// assignment: evaluating one reads the run's data and nothing else.
public indirect enum Expression: Sendable, Equatable {
    case literal(Literal)
    /// `trigger.image_url`, `steps.lookup.output.matches[0].source`.
    case path([PathComponent])
    case list([Expression])
    case not(Expression)
    case and(Expression, Expression)
    case or(Expression, Expression)
    case compare(Comparison, Expression, Expression)
    /// `a in b`: `a` is an element of list `b`, or a substring of text `b`.
    case contains(element: Expression, collection: Expression, negated: Bool)
    /// Whether the path names a value that is present and not null.
    case exists([PathComponent])
    /// The length of a list or text.
    case length(Expression)

    public enum Literal: Sendable, Equatable {
        case null
        case bool(Bool)
        case number(Double)
        case string(String)
    }

    public enum Comparison: String, Sendable {
        case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    }

    public enum PathComponent: Sendable, Equatable, CustomStringConvertible {
        case field(String)
        case index(Int)

        public var description: String {
            switch self {
            case let .field(name): name
            case let .index(i): "[\(i)]"
            }
        }
    }

    /// A path as its author wrote it.
    public static func text(of path: [PathComponent]) -> String {
        var text = ""
        for component in path {
            switch component {
            case let .field(name): text += text.isEmpty ? name : ".\(name)"
            case let .index(i): text += "[\(i)]"
            }
        }
        return text
    }

    /// Every path the expression reads (the validator checks each).
    public var paths: [[PathComponent]] {
        switch self {
        case .literal: []
        case let .path(path), let .exists(path): [path]
        case let .list(items): items.flatMap(\.paths)
        case let .not(inner), let .length(inner): inner.paths
        case let .and(a, b), let .or(a, b), let .compare(_, a, b), let .contains(a, b, _): a.paths + b.paths
        }
    }
}

/// Why an expression or template could not be parsed or checked; `column` counts from 1.
public struct ExpressionError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var column: Int?

    public init(_ message: String, column: Int? = nil) {
        self.message = message
        self.column = column
    }

    public var description: String { column.map { "at column \($0): \(message)" } ?? message }
}
