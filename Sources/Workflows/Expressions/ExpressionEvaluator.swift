public import JSONValues

/// Evaluates a checked expression over a run's data. Missing data reads as null: a comparison
/// with null is false (except `== null`), `exists` is false, and `and`/`or`/`not` take null as false.
/// Every evaluation spends from a budget (`EvaluationBudget`): it ends in bounded time whatever
/// the data, or fails with `EvaluationLimit`.
public enum ExpressionEvaluator {
    /// With a budget of its own (the default).
    public static func evaluate(_ expression: Expression, in data: JSONValue) throws(EvaluationLimit) -> JSONValue {
        var budget = EvaluationBudget()
        return try evaluate(expression, in: data, budget: &budget)
    }

    public static func evaluate(_ expression: Expression, in data: JSONValue, budget: inout EvaluationBudget) throws(EvaluationLimit) -> JSONValue {
        try budget.spend(1)
        switch expression {
        case let .literal(literal):
            switch literal {
            case .null: return .null
            case let .bool(value): return .bool(value)
            case let .number(value): return .number(value)
            case let .string(value): return .string(value)
            }
        case let .path(path):
            return try resolve(path, in: data, budget: &budget)
        case let .list(items):
            var values: [JSONValue] = []
            for item in items { values.append(try evaluate(item, in: data, budget: &budget)) }
            return .array(values)
        case let .not(inner):
            return .bool(!truth(try evaluate(inner, in: data, budget: &budget)))
        case let .and(a, b):
            guard truth(try evaluate(a, in: data, budget: &budget)) else { return .bool(false) }
            return .bool(truth(try evaluate(b, in: data, budget: &budget)))
        case let .or(a, b):
            if truth(try evaluate(a, in: data, budget: &budget)) { return .bool(true) }
            return .bool(truth(try evaluate(b, in: data, budget: &budget)))
        case let .compare(comparison, a, b):
            let left = try evaluate(a, in: data, budget: &budget)
            let right = try evaluate(b, in: data, budget: &budget)
            return .bool(try compare(comparison, left, right, budget: &budget))
        case let .contains(element, collection, negated):
            let item = try evaluate(element, in: data, budget: &budget)
            let found: Bool
            switch try evaluate(collection, in: data, budget: &budget) {
            case let .array(items):
                var hit = false
                for candidate in items where try equal(candidate, item, budget: &budget) {
                    hit = true
                    break
                }
                found = hit
            case let .string(text):
                if let needle = item.string {
                    try budget.spend(text.utf8.count + needle.utf8.count)
                    found = TextSearch.contains(text, needle)
                } else {
                    found = false
                }
            default: found = false
            }
            return .bool(negated ? !found : found)
        case let .exists(path):
            return .bool(try resolve(path, in: data, budget: &budget) != .null)
        case let .length(inner):
            switch try evaluate(inner, in: data, budget: &budget) {
            case let .array(items): return .number(Double(items.count))
            case let .string(text):
                try budget.spend(text.utf8.count)
                return .number(Double(text.count))
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

    static func resolve(_ path: [Expression.PathComponent], in data: JSONValue, budget: inout EvaluationBudget) throws(EvaluationLimit) -> JSONValue {
        try budget.spend(path.count)
        return resolve(path, in: data)
    }

    /// Equality, paid for as it reads: a unit per value, a unit per text byte, stopping at the
    /// first difference (so `x in list` over many large items costs what it reads, never more).
    static func equal(_ a: JSONValue, _ b: JSONValue, budget: inout EvaluationBudget) throws(EvaluationLimit) -> Bool {
        try budget.spend(1)
        switch (a, b) {
        case let (.string(x), .string(y)):
            // Paid for by the shorter text; compared as Swift compares text (canonically: "é" is
            // one scalar or two), so no shortcut on byte lengths.
            try budget.spend(min(x.utf8.count, y.utf8.count))
            return x == y
        case let (.array(xs), .array(ys)):
            guard xs.count == ys.count else { return false }
            for (x, y) in zip(xs, ys) where !(try equal(x, y, budget: &budget)) { return false }
            return true
        case let (.object(xs), .object(ys)):
            guard xs.count == ys.count else { return false }
            for (key, x) in xs {
                try budget.spend(key.utf8.count)
                guard let y = ys[key], try equal(x, y, budget: &budget) else { return false }
            }
            return true
        default:
            return a == b
        }
    }

    /// Values and text bytes in a value: what comparing or printing it reads.
    static func weight(_ value: JSONValue) -> Int {
        switch value {
        case let .string(text): 1 + text.utf8.count
        case let .array(items): items.reduce(1) { $0 + weight($1) }
        case let .object(fields): fields.reduce(1) { $0 + $1.key.utf8.count + weight($1.value) }
        default: 1
        }
    }

    static func compare(_ comparison: Expression.Comparison, _ a: JSONValue, _ b: JSONValue,
                        budget: inout EvaluationBudget) throws(EvaluationLimit) -> Bool {
        switch comparison {
        case .equal: return try equal(a, b, budget: &budget)
        case .notEqual: return !(try equal(a, b, budget: &budget))
        default: break
        }
        let order: Int
        switch (a, b) {
        case let (.number(x), .number(y)): order = x < y ? -1 : (x > y ? 1 : 0)
        case let (.string(x), .string(y)):
            try budget.spend(min(x.utf8.count, y.utf8.count))
            order = x < y ? -1 : (x > y ? 1 : 0)
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
