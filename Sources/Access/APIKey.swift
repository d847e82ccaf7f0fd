public import Foundation

/// A stored API key: never the secret itself, only its digest and a short prefix people can
/// recognise in a list.
public struct APIKey: Sendable, Hashable, Codable {
    public var id: Int64
    public var label: String
    public var role: Role
    /// The first characters of the secret, e.g. `vgl_AbCd`, to tell keys apart.
    public var prefix: String
    public var createdAt: Date
    public var revokedAt: Date?

    public init(id: Int64, label: String, role: Role, prefix: String, createdAt: Date, revokedAt: Date?) {
        self.id = id
        self.label = label
        self.role = role
        self.prefix = prefix
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    public var isRevoked: Bool { revokedAt != nil }
}

/// A key as it is being created: the secret is shown once and then only its digest is kept.
public struct IssuedKey: Sendable {
    public var key: APIKey
    public var secret: String
}

public enum AccessError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalid(String)
    case notFound(String)
    /// The change would leave no live admin key, and so no way to manage keys over HTTP.
    case lastAdmin(Int64)
    /// The change would leave no enabled admin user.
    case lastAdminUser(String)

    public var description: String {
        switch self {
        case let .invalid(message): message
        case let .notFound(what): "\(what) not found"
        case let .lastAdmin(id): "key \(id) is the last live admin key: create another admin key before revoking it"
        case let .lastAdminUser(name): "\(name) is the last enabled admin: make another admin first"
        }
    }
}
