/// One field of a credential or of an operation's input or output, declared as data: the API, the
/// workflow validator and the dashboard's forms all read these declarations.
public struct Field: Sendable, Equatable, Encodable {
    public indirect enum Kind: Sendable, Equatable, Encodable {
        case text
        case url
        case integer(ClosedRange<Int>)
        case number
        case boolean
        /// One of these values.
        case choice([String])
        case bytes
        /// A structured value, described by its own fields.
        case object([Field])
        case list(Kind)

        enum CodingKeys: String, CodingKey { case type, minimum, maximum, values, fields, items }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            switch self {
            case .text: try container.encode("text", forKey: .type)
            case .url: try container.encode("url", forKey: .type)
            case let .integer(range):
                try container.encode("integer", forKey: .type)
                try container.encode(range.lowerBound, forKey: .minimum)
                try container.encode(range.upperBound, forKey: .maximum)
            case .number: try container.encode("number", forKey: .type)
            case .boolean: try container.encode("boolean", forKey: .type)
            case let .choice(values):
                try container.encode("choice", forKey: .type)
                try container.encode(values, forKey: .values)
            case .bytes: try container.encode("bytes", forKey: .type)
            case let .object(fields):
                try container.encode("object", forKey: .type)
                try container.encode(fields, forKey: .fields)
            case let .list(items):
                try container.encode("list", forKey: .type)
                try container.encode(items, forKey: .items)
            }
        }
    }

    public let name: String
    public let kind: Kind
    public let summary: String
    public let required: Bool
    /// Stored encrypted, never shown again after it is written.
    public let secret: Bool
    /// The value used when none is given, as text.
    public let defaultValue: String?
    /// Says where the credential's secrets go or whose they are (an endpoint, an environment, a
    /// user name): changing it takes the admin role and the secrets given again, so nobody can
    /// send a stored secret somewhere new without knowing it.
    public let bindsSecrets: Bool

    public init(_ name: String, _ kind: Kind, _ summary: String, required: Bool = false, secret: Bool = false, default defaultValue: String? = nil,
                bindsSecrets: Bool = false) {
        self.name = name
        self.kind = kind
        self.summary = summary
        self.required = required
        self.secret = secret
        self.defaultValue = defaultValue
        self.bindsSecrets = bindsSecrets
    }

    enum CodingKeys: String, CodingKey { case name, kind, summary, required, secret, defaultValue = "default", bindsSecrets = "binds_secrets" }
}
