import Foundation
import Integrations
import JSONValues

/// Checks one step input, a literal or a template, against its declared field.
enum InputCheck {
    /// What is wrong with `value` for a field of `kind`, or nil.
    static func problem(_ value: JSONValue, for kind: Field.Kind, checker: ExpressionChecker) -> String? {
        if case let .string(text) = value {
            let template: Template
            do { template = try Template.parse(text) } catch { return error.description }
            if template.isTemplated {
                let type: ValueType
                do { type = try template.type(checker: checker) } catch { return error.message }
                let expected = ValueType(kind)
                guard type.fits(expected) else { return "\(text) is \(type), but this input takes \(expected)" }
                return nil
            }
        }
        switch (kind, value) {
        case let (.list(items), .array(values)):
            for (i, item) in values.enumerated() {
                if let problem = problem(item, for: items, checker: checker) { return "[\(i)]: \(problem)" }
            }
            return nil
        case let (.object(fields), .object(values)):
            let declared = Dictionary(fields.map { ($0.name, $0.kind) }, uniquingKeysWith: { first, _ in first })
            for (name, item) in values.sorted(by: { $0.key < $1.key }) {
                let found = declared[name].map { problem(item, for: $0, checker: checker) } ?? untypedProblem(item, checker: checker)
                if let found { return "\(name): \(found)" }
            }
            return nil
        default:
            return literalProblem(value, for: kind)
        }
    }

    /// Templates inside a value whose shape is not declared (an open object's fields): each must
    /// still parse and name something the step can see.
    static func untypedProblem(_ value: JSONValue, checker: ExpressionChecker) -> String? {
        switch value {
        case let .string(text):
            do {
                let template = try Template.parse(text)
                _ = try template.type(checker: checker)
                return nil
            } catch {
                return error.message
            }
        case let .array(items):
            for (i, item) in items.enumerated() {
                if let problem = untypedProblem(item, checker: checker) { return "[\(i)]: \(problem)" }
            }
            return nil
        case let .object(fields):
            for (name, item) in fields.sorted(by: { $0.key < $1.key }) {
                if let problem = untypedProblem(item, checker: checker) { return "\(name): \(problem)" }
            }
            return nil
        default:
            return nil
        }
    }

    static func literalProblem(_ value: JSONValue, for kind: Field.Kind) -> String? {
        switch (kind, value) {
        case (_, .null): return nil
        case (.text, .string), (.bytes, .string), (.boolean, .bool), (.number, .number): return nil
        case let (.url, .string(text)):
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil else {
                return "\"\(text)\" is not an http or https URL"
            }
            return nil
        case let (.choice(values), .string(text)):
            return values.contains(text) ? nil : "\"\(text)\" is not one of \(values.joined(separator: ", "))"
        case let (.integer(range), .number(number)):
            guard number == number.rounded(), number >= Double(range.lowerBound), number <= Double(range.upperBound) else {
                return "\(number) is not a whole number from \(range.lowerBound) to \(range.upperBound)"
            }
            return nil
        default:
            return "\(value.text) is \(describe(value)), but this input takes \(ValueType(kind))"
        }
    }

    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "text"
        case .array: "a list"
        case .object: "an object"
        }
    }
}
