public import Foundation
public import Vault

/// Stored access to an integration: its plain field values and its secret fields, each sealed
/// under the master key with the credential's id as the owner.
public struct Credential: Sendable, Equatable {
    public let id: String
    public let integration: String
    public var values: [String: String]
    public var secrets: [String: SealedSecret]
    public let createdAt: Date
    public var updatedAt: Date

    public init(id: String, integration: String, values: [String: String], secrets: [String: SealedSecret], createdAt: Date, updatedAt: Date) {
        self.id = id
        self.integration = integration
        self.values = values
        self.secrets = secrets
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public var nickname: String { values["nickname"] ?? id }

    /// What owns a secret field's sealed value: the credential and the field, so a sealed value
    /// moved to another credential or field does not open.
    static func owner(_ id: String, field: String) -> String { "credential:\(id):\(field)" }

    /// What makes two credentials' nicknames the same: the nickname without regard to case
    /// (as Swift folds it, in every script). The service, the store's unique index and the
    /// migration that built it all use this one.
    public static func nicknameKey(_ values: [String: String]) -> String? { values["nickname"]?.lowercased() }
}

/// A credential as it may be shown: plain values, and each secret masked.
public struct CredentialView: Sendable, Equatable {
    public let id: String
    public let integration: String
    public let values: [String: String]
    /// Field → `••••` and the last four characters of a long secret.
    public let secrets: [String: String]
    public let createdAt: Date
    public let updatedAt: Date
}
