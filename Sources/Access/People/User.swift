public import Foundation

/// A person who signs in to the dashboard with a name and a password. Only the password's
/// bcrypt hash is kept; the preferences are how evidence is shown to them once revealed.
public struct User: Sendable, Hashable {
    public var id: Int64
    public var name: String
    public var role: Role
    public var passwordHash: String
    public var createdAt: Date
    public var disabledAt: Date?
    /// Failed sign-ins in a row; reset by a successful one.
    public var failedLogins: Int
    /// Set after too many failures: no sign-in is even checked before this time.
    public var lockedUntil: Date?
    public var lastLoginAt: Date?
    public var preferences: ReviewerPreferences

    public init(id: Int64, name: String, role: Role, passwordHash: String, createdAt: Date, disabledAt: Date? = nil,
                failedLogins: Int = 0, lockedUntil: Date? = nil, lastLoginAt: Date? = nil,
                preferences: ReviewerPreferences = ReviewerPreferences()) {
        self.id = id
        self.name = name
        self.role = role
        self.passwordHash = passwordHash
        self.createdAt = createdAt
        self.disabledAt = disabledAt
        self.failedLogins = failedLogins
        self.lockedUntil = lockedUntil
        self.lastLoginAt = lastLoginAt
        self.preferences = preferences
    }

    public var isDisabled: Bool { disabledAt != nil }
    /// How the audit log and every record the person makes names them.
    public var actor: String { "user:\(name)" }
}

/// How a revealed evidence image is drawn for this reviewer. Previews are always blurred and
/// greyscale on the server; a revealed original is shown clearly (the reveal is recorded as the
/// person seeing it), in greyscale when the reviewer prefers.
public struct ReviewerPreferences: Sendable, Hashable, Codable {
    public var greyscale: Bool

    public init(greyscale: Bool = true) {
        self.greyscale = greyscale
    }
}
