/// A service Vigil can be connected to: what a credential for it holds and what it can do. The
/// catalogue (`Integrations.catalogue`) is the only place an integration's fields are written.
public struct Integration: Sendable, Encodable, Identifiable {
    public let id: String
    public let name: String
    public let summary: String
    public let credentialFields: [Field]
    public let operations: [Operation]

    public struct Operation: Sendable, Encodable {
        public let id: String
        public let summary: String
        public let inputs: [Field]
        public let outputs: [Field]
    }

    enum CodingKeys: String, CodingKey {
        case id, name, summary, credentialFields = "credential_fields", operations
    }

    /// Whether a credential is needed at all (the built-in banks need none).
    public var needsCredential: Bool { !credentialFields.isEmpty }

    public var secretFieldNames: Set<String> { Set(credentialFields.filter(\.secret).map(\.name)) }
}
