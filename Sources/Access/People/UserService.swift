public import Foundation
import Synchronization

/// People and their sessions: creating them, signing in (with lockout), checking a session on
/// each request, signing out.
public final class UserService: Sendable {
    let store: any UserStore
    public let hasher: any PasswordHasher
    public let limiter: SignInLimiter
    /// Failures in a row after which a name is locked, and for how long.
    public let lockAfter: Int
    public let lockFor: TimeInterval
    public let sessionLifetime: TimeInterval
    private let clock: @Sendable () -> Date
    private let decoy = Mutex<String?>(nil)

    public static let minimumPasswordLength = 12

    public init(store: any UserStore, hasher: any PasswordHasher, limiter: SignInLimiter = SignInLimiter(), lockAfter: Int = 5,
                lockFor: TimeInterval = 900, sessionLifetime: TimeInterval = 12 * 3600, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.hasher = hasher
        self.limiter = limiter
        self.lockAfter = lockAfter
        self.lockFor = lockFor
        self.sessionLifetime = sessionLifetime
        self.clock = clock
    }

    // MARK: people

    public func create(name: String, role: Role, password: String) async throws -> User {
        let name = try Self.checkedName(name)
        try Self.checkPassword(password)
        if try await store.user(named: name) != nil { throw AccessError.invalid("a user named \(name) already exists") }
        return try await store.createUser(name: name, role: role, passwordHash: try await hasher.hash(password), at: clock())
    }

    public func list() async throws -> [User] { try await store.users() }

    public func user(named name: String) async throws -> User {
        guard let user = try await store.user(named: name) else { throw AccessError.notFound("user \(name)") }
        return user
    }

    public func user(id: Int64) async throws -> User {
        guard let user = try await store.user(id: id) else { throw AccessError.notFound("user \(id)") }
        return user
    }

    /// Changes a role, disables or enables, or sets a new password. Disabling and a new password
    /// end the person's sessions. The last enabled admin cannot be demoted or disabled.
    public func update(_ id: Int64, role: Role? = nil, disabled: Bool? = nil, password: String? = nil) async throws -> User {
        var user = try await user(id: id)
        let losesAdmin = user.role == .admin && !user.isDisabled && ((role != nil && role != .admin) || disabled == true)
        if losesAdmin, try await store.users().filter({ $0.role == .admin && !$0.isDisabled && $0.id != id }).isEmpty {
            throw AccessError.lastAdminUser(user.name)
        }
        if let role { user.role = role }
        if let disabled { user.disabledAt = disabled ? (user.disabledAt ?? clock()) : nil }
        if let password {
            try Self.checkPassword(password)
            user.passwordHash = try await hasher.hash(password)
            user.failedLogins = 0
            user.lockedUntil = nil
        }
        // The check above answers at once; the store's, in the change's own transaction, holds
        // against another admin making the same change at the same moment.
        let saved = losesAdmin ? try await store.saveUserKeepingAnAdmin(user) : try await store.saveUser(user)
        if disabled == true || password != nil || role != nil { try await store.deleteSessions(userID: id) }
        return saved
    }

    public func savePreferences(_ id: Int64, _ preferences: ReviewerPreferences) async throws -> User {
        var user = try await user(id: id)
        user.preferences = preferences
        return try await store.saveUser(user)
    }

    // MARK: signing in

    /// Checks a name and password and opens a session. Every refusal but the rate limit says
    /// the same thing, so the form does not tell which names exist.
    public func signIn(name: String, password: String, remote: String) async throws -> OpenedSession {
        let now = clock()
        if let wait = limiter.wait(for: remote, at: now) { throw SignInError.tooManyAttempts(retryAfter: Int(wait.rounded(.up))) }
        guard var user = try await store.user(named: name.trimmingCharacters(in: .whitespaces).lowercased()) else {
            _ = try await hasher.verify(password, hash: try await decoyHash())  // the same time as a real check
            limiter.recordFailure(from: remote, at: now)
            throw SignInError.refused
        }
        if let until = user.lockedUntil, until > now { throw SignInError.locked(until: until) }
        guard try await hasher.verify(password, hash: user.passwordHash), !user.isDisabled else {
            limiter.recordFailure(from: remote, at: now)
            user.failedLogins += 1
            if user.failedLogins >= lockAfter {
                user.failedLogins = 0
                user.lockedUntil = now.addingTimeInterval(lockFor)
            }
            _ = try await store.saveUser(user)
            throw SignInError.refused
        }
        limiter.recordSuccess(from: remote)
        user.failedLogins = 0
        user.lockedUntil = nil
        user.lastLoginAt = now
        user = try await store.saveUser(user)
        return try await open(userID: user.id, keyID: nil, role: user.role, actor: user.actor, at: now)
    }

    /// A session for an API key presented at the sign-in form (already checked by the key service).
    public func signIn(key: APIKey) async throws -> OpenedSession {
        try await open(userID: nil, keyID: key.id, role: key.role, actor: "key:\(key.id)", at: clock())
    }

    /// The live session a cookie names, with its person; nil when it is unknown, expired, or its
    /// person is disabled. A key session's key is checked by the caller (it may be revoked).
    public func session(secret: String) async throws -> (session: Session, user: User?)? {
        guard SessionSecret.isWellFormed(secret) else { return nil }
        let digest = SessionSecret.digest(secret)
        guard let session = try await store.session(digest: digest) else { return nil }
        guard session.expiresAt > clock() else {
            try await store.deleteSession(digest: digest)
            return nil
        }
        guard let userID = session.userID else { return (session, nil) }
        guard let user = try await store.user(id: userID), !user.isDisabled else { return nil }
        // A role changed since sign-in applies at once (the sessions were also ended, but be sure).
        var current = session
        current.role = user.role
        return (current, user)
    }

    /// Keeps the page a refused form post answered with for the session, under a new token; nil
    /// when the page may not be kept (`RefusedPage.mayKeep`).
    public func keepRefusedPage(_ html: String, status: Int, session: Session) async throws -> String? {
        guard RefusedPage.mayKeep(html) else { return nil }
        var random = SystemRandomNumberGenerator()
        let token = (0..<16).map { _ in String(UInt8.random(in: 0...255, using: &random), radix: 16).leftPadded(to: 2) }.joined()
        try await store.keepRefusedPage(RefusedPage(token: token, sessionDigest: session.digest, status: status, html: html, at: clock()))
        return token
    }

    /// A refused page kept for this session, while it is young enough to show again.
    public func refusedPage(token: String, session: Session) async throws -> RefusedPage? {
        guard token.utf8.count == 32, token.allSatisfy(\.isHexDigit) else { return nil }
        return try await store.refusedPage(token: token, sessionDigest: session.digest, since: clock().addingTimeInterval(-RefusedPage.lifetime))
    }

    public func signOut(secret: String) async throws {
        guard SessionSecret.isWellFormed(secret) else { return }
        try await store.deleteSession(digest: SessionSecret.digest(secret))
    }

    public func purgeExpiredSessions() async throws { try await store.deleteExpiredSessions(before: clock()) }

    private func open(userID: Int64?, keyID: Int64?, role: Role, actor: String, at now: Date) async throws -> OpenedSession {
        let secret = SessionSecret.generate()
        let session = Session(digest: SessionSecret.digest(secret), userID: userID, keyID: keyID, role: role, actor: actor,
                              createdAt: now, expiresAt: now.addingTimeInterval(sessionLifetime))
        try await store.createSession(session)
        return OpenedSession(session: session, secret: secret)
    }

    // MARK: rules

    static func checkedName(_ name: String) throws -> String {
        let name = name.trimmingCharacters(in: .whitespaces).lowercased()
        guard (1...64).contains(name.count),
              name.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || "._-@".unicodeScalars.contains($0) })
        else { throw AccessError.invalid("a user name is 1-64 characters of a-z, 0-9, '.', '_', '-' and '@'") }
        return name
    }

    static func checkPassword(_ password: String) throws {
        guard password.count >= minimumPasswordLength else {
            throw AccessError.invalid("a password is at least \(minimumPasswordLength) characters")
        }
        guard password.utf8.count <= 72 else {
            throw AccessError.invalid("a password is at most 72 bytes (bcrypt ignores anything longer)")
        }
    }

    /// A hash of a random password, checked when the name is unknown; made once, at the cost
    /// the hasher uses for real ones.
    private func decoyHash() async throws -> String {
        if let hash = decoy.withLock({ $0 }) { return hash }
        let hash = try await hasher.hash(SessionSecret.generate())
        decoy.withLock { $0 = hash }
        return hash
    }
}

public enum SignInError: Error, Sendable, Equatable, CustomStringConvertible {
    case refused
    case locked(until: Date)
    case tooManyAttempts(retryAfter: Int)

    public var description: String {
        switch self {
        case .refused: "the name or the password is wrong"
        case .locked: "too many failed sign-ins for this name: try again in a few minutes"
        case let .tooManyAttempts(seconds): "too many failed sign-ins from this address: try again in \(seconds) s"
        }
    }
}

extension String {
    /// "7" → "07".
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
