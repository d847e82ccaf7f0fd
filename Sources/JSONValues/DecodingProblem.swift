/// A `DecodingError` in words that name the field (`"steps[2].type" is required`), for request
/// bodies and definition files alike.
public enum DecodingProblem {
    /// How `Decoder.refuseUnknownKeys` starts its message.
    static let unknownKeyMarker = "has an unknown key"

    public static func describe(_ error: DecodingError, document: String) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            var text = ""
            for key in codingPath {
                if let index = key.intValue { text += "[\(index)]" } else { text += text.isEmpty ? key.stringValue : ".\(key.stringValue)" }
            }
            return text
        }
        func quoted(_ context: DecodingError.Context) -> String {
            let text = path(context.codingPath)
            return text.isEmpty ? document : "\"\(text)\""
        }
        switch error {
        case let .typeMismatch(type, context):
            if context.codingPath.isEmpty { return "\(document) must be \(typeName(type)), not another JSON value" }
            return "\(quoted(context)) has the wrong type: expected \(typeName(type))"
        case let .valueNotFound(type, context): return "\(quoted(context)) must not be null: expected \(typeName(type))"
        case let .keyNotFound(key, context): return "\"\(path(context.codingPath + [key]))\" is required"
        case let .dataCorrupted(context):
            if context.debugDescription.hasPrefix(unknownKeyMarker) { return "\(quoted(context)) \(context.debugDescription)" }
            if context.codingPath.isEmpty { return "\(document) is not valid JSON" }
            if context.debugDescription.contains("fit") { return "\(quoted(context)) is out of range" }
            if let value = unknownCase(context.debugDescription) { return "\(quoted(context)) has no value \"\(value)\"" }
            return "\(quoted(context)) is not valid: \(context.debugDescription)"
        @unknown default: return "\(document) is not valid JSON"
        }
    }

    /// The value in Swift's "Cannot initialize Priority from invalid String value p0" (an enum
    /// read by its raw value), whose type name means nothing to a caller.
    static func unknownCase(_ text: String) -> String? {
        guard text.hasPrefix("Cannot initialize "), let range = text.range(of: " value ") else { return nil }
        return String(text[range.upperBound...].prefix(80))
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Double.Type: "a number"
        case is Bool.Type: "true or false"
        // A dictionary is a Collection too: test for it first, or `[1, 2]` for an object reads "expected an array".
        case is [String: Any].Type, is [String: JSONValue].Type: "a JSON object"
        default: type is any Collection.Type ? "an array" : "a JSON object"
        }
    }
}
