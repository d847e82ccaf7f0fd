public import Integrations

/// The type of a value a template or a condition refers to, as the validator checks it. It is
/// read from the operations' declared fields and the trigger's parameters, never guessed from a
/// run's data.
public indirect enum ValueType: Sendable, Equatable, CustomStringConvertible {
    /// Not known when the workflow is saved (an open object's field, a provider's raw answer).
    case any
    case text
    case integer
    case number
    case boolean
    case null
    /// Known fields; `open` objects may carry others too (typed `any`).
    case object([String: ValueType], open: Bool)
    case list(ValueType)

    public var description: String {
        switch self {
        case .any: "any"
        case .text: "text"
        case .integer: "integer"
        case .number: "number"
        case .boolean: "boolean"
        case .null: "null"
        case .object: "object"
        case let .list(items): "list of \(items)"
        }
    }

    public var isNumeric: Bool { self == .integer || self == .number || self == .any }

    /// Whether a value of type `self` may go where `target` is expected.
    public func fits(_ target: ValueType) -> Bool {
        switch (self, target) {
        case (.any, _), (_, .any), (.null, _): true
        case (.integer, .number): true
        case let (.list(a), .list(b)): a.fits(b)
        case (.object, .object): true
        default: self == target
        }
    }

    /// Whether two values of these types can be compared with `==`.
    public func comparable(with other: ValueType) -> Bool {
        fits(other) || other.fits(self) || (isNumeric && other.isNumeric)
    }

    /// The type of an operation's field.
    public init(_ kind: Field.Kind) {
        switch kind {
        case .text, .url, .choice, .bytes: self = .text
        case .integer: self = .integer
        case .number: self = .number
        case .boolean: self = .boolean
        case let .object(fields): self = fields.isEmpty ? .object([:], open: true) : ValueType.object(fields)
        case let .list(items): self = .list(ValueType(items))
        }
    }

    /// An object with these fields.
    public static func object(_ fields: [Field]) -> ValueType {
        .object(Dictionary(fields.map { ($0.name, ValueType($0.kind)) }, uniquingKeysWith: { first, _ in first }), open: false)
    }

    /// A trigger parameter's declared type name.
    public init?(parameterType name: String) {
        switch name {
        // An image is base64 text where a step reads it; the run's input keeps its SHA-256 only.
        case "text", "url", "image": self = .text
        case "integer": self = .integer
        case "number": self = .number
        case "boolean": self = .boolean
        case "object": self = .object([:], open: true)
        case "list": self = .list(.any)
        default: return nil
        }
    }

    public static let parameterTypes = ["text", "url", "image", "integer", "number", "boolean", "object", "list"]
}
