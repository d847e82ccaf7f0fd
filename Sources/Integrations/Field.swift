/// One field of a credential or of an operation's input or output, declared as data: the API, the
/// workflow validator and the dashboard's forms all read these declarations (the API's shape of
/// them is `FieldJSON`, beside the routes).
public struct Field: Sendable, Equatable {
    public indirect enum Kind: Sendable, Equatable {
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
}
