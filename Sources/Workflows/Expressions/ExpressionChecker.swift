/// Types an expression against what a step can see (the trigger, the steps that ran before it),
/// so a misspelt field or a comparison of text with a number is refused when the workflow is
/// saved, not discovered when a run takes that branch.
public struct ExpressionChecker: Sendable {
    /// `{trigger: …, steps: {id: {output, status, error, attempts}}}`.
    public let scope: ValueType

    public init(scope: ValueType) { self.scope = scope }

    /// The type of a condition, which must be boolean.
    public func checkCondition(_ expression: Expression) throws(ExpressionError) {
        let type = try self.type(of: expression)
        guard type == .boolean || type == .any else {
            throw ExpressionError("a condition must be true or false, but this is \(type)")
        }
    }

    public func type(of expression: Expression) throws(ExpressionError) -> ValueType {
        switch expression {
        case let .literal(literal):
            switch literal {
            case .null: return .null
            case .bool: return .boolean
            case let .number(value): return value == value.rounded() ? .integer : .number
            case .string: return .text
            }
        case let .path(path):
            return try type(of: path)
        case let .list(items):
            let types = try items.map { (item: Expression) throws(ExpressionError) -> ValueType in try type(of: item) }
            guard let first = types.first else { return .list(.any) }
            return .list(types.allSatisfy { $0 == first } ? first : .any)
        case let .not(inner):
            try requireBoolean(inner, "not")
            return .boolean
        case let .and(a, b):
            try requireBoolean(a, "and")
            try requireBoolean(b, "and")
            return .boolean
        case let .or(a, b):
            try requireBoolean(a, "or")
            try requireBoolean(b, "or")
            return .boolean
        case let .compare(comparison, a, b):
            let (left, right) = (try type(of: a), try type(of: b))
            switch comparison {
            case .equal, .notEqual:
                guard left.comparable(with: right) else {
                    throw ExpressionError("\(describe(a)) is \(left) and \(describe(b)) is \(right): they can never be equal")
                }
            default:
                let ordered = (left.isNumeric && right.isNumeric) || ([left, right].allSatisfy { $0 == .text || $0 == .any })
                guard ordered else {
                    throw ExpressionError("\(comparison.rawValue) compares two numbers or two texts, not \(left) with \(right)")
                }
            }
            return .boolean
        case let .contains(element, collection, _):
            let (item, container) = (try type(of: element), try type(of: collection))
            switch container {
            case .any: break
            case .text:
                guard item == .text || item == .any else { throw ExpressionError("in on a text looks for a text, not \(item)") }
            case let .list(items):
                guard item.comparable(with: items) else { throw ExpressionError("\(describe(element)) is \(item), never an element of a \(container)") }
            default:
                throw ExpressionError("in needs a list or a text on its right, not \(container)")
            }
            return .boolean
        case let .exists(path):
            _ = try type(of: path)
            return .boolean
        case let .length(inner):
            let type = try type(of: inner)
            switch type {
            case .text, .list, .any: return .integer
            default: throw ExpressionError("len takes a list or a text, not \(type)")
            }
        }
    }

    private func requireBoolean(_ expression: Expression, _ operatorName: String) throws(ExpressionError) {
        let type = try type(of: expression)
        guard type == .boolean || type == .any else {
            throw ExpressionError("\(operatorName) takes true or false, but \(describe(expression)) is \(type)")
        }
    }

    private func describe(_ expression: Expression) -> String {
        if case let .path(path) = expression { return Expression.text(of: path) }
        return "the value"
    }

    /// Walks the scope's type along the path; an unknown name is an error that lists the names
    /// that are there.
    public func type(of path: [Expression.PathComponent]) throws(ExpressionError) -> ValueType {
        var current = scope
        for (i, component) in path.enumerated() {
            let prefix = Expression.text(of: Array(path[..<i]))
            switch (component, current) {
            case (_, .any):
                return .any
            case let (.field(name), .object(fields, open)):
                if let next = fields[name] {
                    current = next
                } else if open {
                    return .any
                } else {
                    throw ExpressionError(unknownField(name, in: prefix, fields: fields.keys.sorted()))
                }
            case let (.index, .list(items)):
                current = items
            case (.index, _):
                throw ExpressionError("\(prefix) is \(current), not a list: it takes no [index]")
            case let (.field(name), _):
                throw ExpressionError("\(prefix) is \(current): it has no field \(name)")
            }
        }
        return current
    }

    private func unknownField(_ name: String, in prefix: String, fields: [String]) -> String {
        let list = fields.isEmpty ? "none" : fields.joined(separator: ", ")
        switch prefix {
        case "": return "\(name) is not something a step can read (it can read trigger and steps)"
        case "steps": return "no step \(name) has run before this one (earlier steps: \(list))"
        case "trigger": return "the trigger has no field \(name) (its fields: \(list))"
        default: return "\(prefix) has no field \(name) (its fields: \(list))"
        }
    }
}
