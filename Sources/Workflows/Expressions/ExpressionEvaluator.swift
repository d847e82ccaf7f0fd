public import JSONValues

/// Evaluates a checked expression over a run's data. Missing data reads as null: a comparison
/// with null is false (except `== null`), `exists` is false, and `and`/`or`/`not` take null as false.
public enum ExpressionEvaluator {
    public static func evaluate(_ expression: Expression, in data: JSONValue) -> JSONValue {
        switch expression {
        case let .literal(literal):
            switch literal {
            case .null: return .null
            case let .bool(value): return .bool(value)
            case let .number(value): return .number(value)
            case let .string(value): return .string(value)
            }
        case let .path(path):
            return resolve(path, in: data)
        case let .list(items):
            return .array(items.map { evaluate($0, in: data) })
        case let .not(inner):
            return .bool(!truth(evaluate(inner, in: data)))
        case let .and(a, b):
            return .bool(truth(evaluate(a, in: data)) && truth(evaluate(b, in: data)))
        case let .or(a, b):
            return .bool(truth(evaluate(a, in: data)) || truth(evaluate(b, in: data)))
        case let .compare(comparison, a, b):
            return .bool(compare(comparison, evaluate(a, in: data), evaluate(b, in: data)))
        case let .contains(element, collection, negated):
            let item = evaluate(element, in: data)
            let found: Bool = switch evaluate(collection, in: data) {
            case let .array(items): items.contains { equal($0, item) }
            case let .string(text): item.string.map { text.contains($0) } ?? false
            default: false
            }
            return .bool(negated ? !found : found)
        case let .exists(path):
            return .bool(resolve(path, in: data) != .null)
        case let .length(inner):
            switch evaluate(inner, in: data) {
            case let .array(items): return .number(Double(items.count))
            case let .string(text): return .number(Double(text.count))
            default: return .null
            }
        }
    }

    public static func truth(_ value: JSONValue) -> Bool { value == .bool(true) }

    public static func resolve(_ path: [Expression.PathComponent], in data: JSONValue) -> JSONValue {
        var current = data
        for component in path {
            switch (component, current) {
            case let (.field(name), .object(fields)): current = fields[name] ?? .null
            case let (.index(i), .array(items)): current = i < items.count ? items[i] : .null
            default: return .null
            }
        }
        return current
    }

    static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool { a == b }

    static func compare(_ comparison: Expression.Comparison, _ a: JSONValue, _ b: JSONValue) -> Bool {
        switch comparison {
        case .equal: return equal(a, b)
        case .notEqual: return !equal(a, b)
        default: break
        }
        let order: Int
        switch (a, b) {
        case let (.number(x), .number(y)): order = x < y ? -1 : (x > y ? 1 : 0)
        case let (.string(x), .string(y)): order = x < y ? -1 : (x > y ? 1 : 0)
        default: return false
        }
        switch comparison {
        case .less: return order < 0
        case .lessOrEqual: return order <= 0
        case .greater: return order > 0
        case .greaterOrEqual: return order >= 0
        case .equal, .notEqual: return false
        }
    }
}
