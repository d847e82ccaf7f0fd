public import Foundation

/// A signed-in browser: a person, or an API key presented at the sign-in form. The cookie holds
/// the secret; storage holds only its digest, so a leaked table opens no session.
public struct Session: Sendable, Hashable {
    public var digest: String
    public var userID: Int64?
    public var keyID: Int64?
    public var role: Role
    /// Who the session acts as in the audit log: `user:NAME` or `key:ID`.
    public var actor: String
    public var createdAt: Date
    public var expiresAt: Date

    public init(digest: String, userID: Int64?, keyID: Int64?, role: Role, actor: String, createdAt: Date, expiresAt: Date) {
        self.digest = digest
        self.userID = userID
        self.keyID = keyID
        self.role = role
        self.actor = actor
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// A session as it is opened: the secret goes into the cookie once and is never stored.
public struct OpenedSession: Sendable {
    public var session: Session
    public var secret: String
}
