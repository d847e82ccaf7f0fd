/// A credential with its secrets opened, for the client that calls the integration and for
/// nothing else. It never prints, dumps or reflects a secret: a stray `"\(credential)"` in a log
/// line shows the id and the integration only.
public struct OpenedCredential: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public let id: String
    public let integration: String
    /// The plain (non-secret) field values, defaults filled in when the credential was stored.
    public let values: [String: String]
    private let secrets: [String: String]

    public init(id: String, integration: String, values: [String: String], secrets: [String: String]) {
        self.id = id
        self.integration = integration
        self.values = values
        self.secrets = secrets
    }

    public var nickname: String { values["nickname"] ?? id }

    /// A secret field's value; an error names the field, never a value.
    public func secret(_ field: String) throws(CredentialService.Failure) -> String {
        guard let value = secrets[field] else { throw .invalid("credential \(id) has no \(field)") }
        return value
    }

    /// Every secret value, so text about a call can be scrubbed of them before it is shown.
    var secretValues: [String] { Array(secrets.values) }

    /// `text` with every secret of this credential replaced by ••••, should a provider echo one
    /// (run history, error messages).
    public func redacting(_ text: String) -> String { SecretScrub.scrub(text, secrets: secretValues) }

    public var description: String { "credential \(id) (\(integration))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["id": id, "integration": integration]) }
}
