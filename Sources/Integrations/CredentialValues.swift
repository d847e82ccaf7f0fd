/// A credential's field values checked against its integration's declaration: every required
/// field present, every value of its field's kind, no unknown field, defaults filled in. Errors
/// name the field and never repeat a secret's value.
public enum CredentialValues {
    /// Every problem found, each with its field (`form` for one of the whole set), in the
    /// integration's field order: a person fixes them all at once, not one per try.
    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        public let problems: [Problem]

        public struct Problem: Sendable, Equatable {
            public let field: String
            public let message: String
        }

        init(_ problems: [Problem]) { self.problems = problems }
        init(description: String) { problems = [Problem(field: "form", message: description)] }

        public var description: String { problems.map(\.message).joined(separator: "; ") }
    }

    /// - Parameters:
    ///   - given: the values sent (all as text).
    ///   - existing: for an update, the stored non-secret values and the names of stored secrets:
    ///     a field left out keeps its stored value.
    public static func check(_ given: [String: String], for integration: Integration,
                             existing: (values: [String: String], secrets: Set<String>)? = nil) throws(Invalid) -> [String: String] {
        let declared = Dictionary(uniqueKeysWithValues: integration.credentialFields.map { ($0.name, $0) })
        var problems: [Invalid.Problem] = []
        for unknown in given.keys.sorted() where declared[unknown] == nil {
            problems.append(Invalid.Problem(field: "form", message: "\(integration.id) credentials have no field \"\(unknown)\" (fields: \(integration.credentialFields.map(\.name).joined(separator: ", ")))"))
        }
        var checked: [String: String] = [:]
        for field in integration.credentialFields {
            if let value = given[field.name] {
                do { try checkValue(value, of: field) } catch { problems.append(contentsOf: error.problems) }
                checked[field.name] = value
            } else if let kept = existing?.values[field.name] {
                checked[field.name] = kept
            } else if existing?.secrets.contains(field.name) == true {
                continue
            } else if let fallback = field.defaultValue {
                checked[field.name] = fallback
            } else if field.required {
                problems.append(Invalid.Problem(field: field.name, message: "\(field.name) is required"))
            }
        }
        if !problems.isEmpty { throw Invalid(problems) }
        return checked
    }

    static func checkValue(_ value: String, of field: Field) throws(Invalid) {
        do { try checkKind(value, of: field) } catch { throw Invalid([Invalid.Problem(field: field.name, message: error.description)]) }
    }

    private static func checkKind(_ value: String, of field: Field) throws(Invalid) {
        // A secret's value is never echoed; other values are, shortened.
        // A secret's value, or a URL's (a webhook URL can carry a token), is never echoed.
        let shown = field.secret || field.kind == .url ? "the value" : "\"\(value.prefix(80))\""
        switch field.kind {
        case .text, .bytes:
            if field.required && value.isEmpty { throw Invalid(description: "\(field.name) must not be empty") }
        case .url:
            guard let scheme = value.split(separator: ":").first.map({ $0.lowercased() }), ["https", "http"].contains(scheme),
                  value.contains("://"), value.count > scheme.count + 3 else {
                throw Invalid(description: "\(field.name): \(shown) is not an http(s) URL")
            }
        case let .integer(range):
            guard let number = Int(value), range.contains(number) else {
                throw Invalid(description: "\(field.name): \(shown) is not an integer from \(range.lowerBound) to \(range.upperBound)")
            }
        case .number:
            guard Double(value)?.isFinite == true else { throw Invalid(description: "\(field.name): \(shown) is not a number") }
        case .boolean:
            guard value == "true" || value == "false" else { throw Invalid(description: "\(field.name): \(shown) is not true or false") }
        case let .choice(values):
            guard values.contains(value) else {
                throw Invalid(description: "\(field.name): \(shown) is not one of \(values.joined(separator: ", "))")
            }
        case .object, .list:
            throw Invalid(description: "\(field.name) cannot be set on a credential")
        }
    }
}
