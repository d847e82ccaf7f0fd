public import JSONValues

/// A step input's text with `{{ expression }}` holes. A text that is one hole and nothing else
/// keeps the value's own type (`"{{ steps.lookup.output.is_match }}"` is a boolean); any other
/// text is interpolated into text.
public struct Template: Sendable, Equatable {
    public enum Part: Sendable, Equatable {
        case text(String)
        case expression(Expression, source: String)
    }

    public let parts: [Part]

    public static func parse(_ text: String) throws(ExpressionError) -> Template {
        var parts: [Part] = []
        var rest = Substring(text)
        var offset = 0
        while let open = rest.range(of: "{{") {
            if open.lowerBound > rest.startIndex { parts.append(.text(String(rest[..<open.lowerBound]))) }
            let afterOpen = rest[open.upperBound...]
            guard let close = afterOpen.range(of: "}}") else {
                throw ExpressionError("a {{ is not closed by }}", column: offset + rest.distance(from: rest.startIndex, to: open.lowerBound) + 1)
            }
            let source = String(afterOpen[..<close.lowerBound]).trimmingSpaces
            do {
                parts.append(.expression(try ExpressionParser.parse(source), source: source))
            } catch {
                throw ExpressionError("in {{ \(source) }}: \(error.description)")
            }
            offset += rest.distance(from: rest.startIndex, to: close.upperBound)
            rest = afterOpen[close.upperBound...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        return Template(parts: parts)
    }

    /// Whether the text has any hole at all.
    public var isTemplated: Bool { parts.contains { if case .expression = $0 { true } else { false } } }

    /// The type the rendered value has.
    public func type(checker: ExpressionChecker) throws(ExpressionError) -> ValueType {
        if parts.count == 1, case let .expression(expression, source) = parts[0] {
            do { return try checker.type(of: expression) } catch { throw ExpressionError("in {{ \(source) }}: \(error.message)") }
        }
        for part in parts {
            if case let .expression(expression, source) = part {
                do { _ = try checker.type(of: expression) } catch { throw ExpressionError("in {{ \(source) }}: \(error.message)") }
            }
        }
        return .text
    }

    public func render(_ data: JSONValue) throws(EvaluationLimit) -> JSONValue {
        var budget = EvaluationBudget()
        return try render(data, budget: &budget)
    }

    public func render(_ data: JSONValue, budget: inout EvaluationBudget) throws(EvaluationLimit) -> JSONValue {
        if parts.count == 1, case let .expression(expression, _) = parts[0] {
            return try ExpressionEvaluator.evaluate(expression, in: data, budget: &budget)
        }
        var text = ""
        for part in parts {
            switch part {
            case let .text(literal): text += literal
            case let .expression(expression, _):
                let value = try ExpressionEvaluator.evaluate(expression, in: data, budget: &budget)
                try budget.spend(ExpressionEvaluator.weight(value))
                text += Self.interpolated(value)
            }
        }
        return .string(text)
    }

    static func interpolated(_ value: JSONValue) -> String {
        switch value {
        case .null: ""
        case let .string(text): text
        case let .bool(flag): flag ? "true" : "false"
        case let .number(number): number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case .array, .object: value.text
        }
    }

    /// Renders every template inside a value, as a version's step inputs are rendered
    /// (`ParsedVersion`): a text with a hole that does not parse is an error, never plain text.
    /// The version made for it has no steps to run: only the value is parsed.
    public static func render(_ value: JSONValue, with data: JSONValue) throws -> JSONValue {
        var budget = EvaluationBudget()
        return try ParsedVersion(planned: .failure(WorkflowInvalid(issues: [])), conditions: [], inputs: [value]).render(value, with: data, budget: &budget)
    }
}

extension String {
    var trimmingSpaces: String {
        var text = Substring(self)
        while text.first?.isWhitespace == true { text = text.dropFirst() }
        while text.last?.isWhitespace == true { text = text.dropLast() }
        return String(text)
    }
}
