public import Access
public import Foundation
import SQLKit

/// `UserStore` on SQLKit, for SQLite and PostgreSQL alike.
public struct SQLUserStore: UserStore {
    public let database: VigilDatabase

    public init(database: VigilDatabase) {
        self.database = database
    }

    static let columns = """
        id, name, role, password_hash, created_at, disabled_at, failed_logins, locked_until, last_login_at, greyscale_previews
        """

    public func createUser(name: String, role: Role, passwordHash: String, at time: Date) async throws -> User {
        try await database.run { sql in
            guard let row = try await sql.raw("""
                INSERT INTO users (name, role, password_hash, created_at)
                VALUES (\(bind: name), \(bind: role.rawValue), \(bind: passwordHash), \(bind: time.millisecondsSince1970))
                RETURNING \(unsafeRaw: Self.columns)
                """).first() else { throw StorageError.corruptRow("INSERT returned no user") }
            return try Self.user(row)
        }
    }

    public func user(id: Int64) async throws -> User? {
        try await database.run { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM users WHERE id = \(bind: id)").first().map(Self.user)
        }
    }

    public func user(named name: String) async throws -> User? {
        try await database.run { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM users WHERE name = \(bind: name)").first().map(Self.user)
        }
    }

    public func users() async throws -> [User] {
        try await database.run { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM users ORDER BY name").all().map(Self.user)
        }
    }

    public func saveUser(_ user: User) async throws -> User {
        try await database.run { sql in try await Self.save(user, on: sql) }
    }

    public func saveUserKeepingAnAdmin(_ user: User) async throws -> User {
        let lock = database.dialect == .postgres ? " FOR UPDATE" : ""
        return try await database.transaction { sql in
            _ = try await sql.raw("SELECT id FROM users WHERE role = 'admin' AND disabled_at IS NULL ORDER BY id\(unsafeRaw: lock)").all()
            let saved = try await Self.save(user, on: sql)
            let left = try await sql.raw("SELECT COUNT(*) AS n FROM users WHERE role = 'admin' AND disabled_at IS NULL").first()?
                .decode(column: "n", as: Int.self) ?? 0
            if left == 0 { throw AccessError.lastAdminUser(user.name) }
            return saved
        }
    }

    static func save(_ user: User, on sql: any SQLDatabase) async throws -> User {
        guard let row = try await sql.raw("""
                UPDATE users SET role = \(bind: user.role.rawValue), password_hash = \(bind: user.passwordHash),
                       disabled_at = \(bind: user.disabledAt?.millisecondsSince1970), failed_logins = \(bind: user.failedLogins),
                       locked_until = \(bind: user.lockedUntil?.millisecondsSince1970),
                       last_login_at = \(bind: user.lastLoginAt?.millisecondsSince1970),
                       greyscale_previews = \(bind: user.preferences.greyscale)
                WHERE id = \(bind: user.id) RETURNING \(unsafeRaw: Self.columns)
                """).first() else { throw AccessError.notFound("user \(user.id)") }
        return try Self.user(row)
    }

    public func createSession(_ session: Session) async throws {
        try await database.run { sql in
            try await sql.raw("""
                INSERT INTO sessions (digest, user_id, key_id, role, actor, created_at, expires_at)
                VALUES (\(bind: session.digest), \(bind: session.userID), \(bind: session.keyID), \(bind: session.role.rawValue),
                        \(bind: session.actor), \(bind: session.createdAt.millisecondsSince1970), \(bind: session.expiresAt.millisecondsSince1970))
                """).run()
        }
    }

    public func session(digest: String) async throws -> Session? {
        try await database.run { sql in
            guard let row = try await sql.raw("""
                SELECT digest, user_id, key_id, role, actor, created_at, expires_at FROM sessions WHERE digest = \(bind: digest)
                """).first() else { return nil }
            let roleName = try row.decode(column: "role", as: String.self)
            guard let role = Role(rawValue: roleName) else { throw StorageError.corruptRow("unknown role \(roleName)") }
            return Session(
                digest: try row.decode(column: "digest", as: String.self),
                userID: try row.decode(column: "user_id", as: Int64?.self),
                keyID: try row.decode(column: "key_id", as: Int64?.self),
                role: role,
                actor: try row.decode(column: "actor", as: String.self),
                createdAt: Date(milliseconds: try row.decode(column: "created_at", as: Int64.self)),
                expiresAt: Date(milliseconds: try row.decode(column: "expires_at", as: Int64.self)))
        }
    }

    public func deleteSession(digest: String) async throws {
        // Its refused pages go with it (they may hold what the person typed).
        try await database.transaction { sql in
            try await sql.raw("DELETE FROM refused_pages WHERE session_digest = \(bind: digest)").run()
            try await sql.raw("DELETE FROM sessions WHERE digest = \(bind: digest)").run()
        }
    }

    public func deleteSessions(userID: Int64) async throws {
        try await database.run { sql in try await sql.raw("DELETE FROM sessions WHERE user_id = \(bind: userID)").run() }
    }

    public func deleteExpiredSessions(before time: Date) async throws {
        try await database.run { sql in
            // Refused pages outlive their use after minutes: the same hourly purge drops them.
            try await sql.raw("DELETE FROM refused_pages WHERE created_at < \(bind: time.millisecondsSince1970 - Int64(RefusedPage.lifetime * 1000))").run()
            try await sql.raw("DELETE FROM sessions WHERE expires_at < \(bind: time.millisecondsSince1970)").run()
        }
    }

    static func user(_ row: any SQLRow) throws -> User {
        let roleName = try row.decode(column: "role", as: String.self)
        guard let role = Role(rawValue: roleName) else { throw StorageError.corruptRow("unknown role \(roleName)") }
        return User(
            id: try row.decode(column: "id", as: Int64.self),
            name: try row.decode(column: "name", as: String.self),
            role: role,
            passwordHash: try row.decode(column: "password_hash", as: String.self),
            createdAt: Date(milliseconds: try row.decode(column: "created_at", as: Int64.self)),
            disabledAt: try row.decode(column: "disabled_at", as: Int64?.self).map(Date.init(milliseconds:)),
            failedLogins: try row.decode(column: "failed_logins", as: Int.self),
            lockedUntil: try row.decode(column: "locked_until", as: Int64?.self).map(Date.init(milliseconds:)),
            lastLoginAt: try row.decode(column: "last_login_at", as: Int64?.self).map(Date.init(milliseconds:)),
            preferences: ReviewerPreferences(greyscale: try row.decode(column: "greyscale_previews", as: Bool.self)))
    }

    public func keepRefusedPage(_ page: RefusedPage) async throws {
        let ms = page.at.millisecondsSince1970
        try await database.transaction { sql in
            try await sql.raw("DELETE FROM refused_pages WHERE created_at < \(bind: ms - Int64(RefusedPage.lifetime * 1000))").run()
            // A session keeps its latest few: one person's refusals cannot fill the disk.
            let kept = try await sql.raw("""
                SELECT token FROM refused_pages WHERE session_digest = \(bind: page.sessionDigest) ORDER BY id DESC
                """).all().map { try $0.decode(column: "token", as: String.self) }
            for old in kept.dropFirst(RefusedPage.perSession - 1) {
                try await sql.raw("DELETE FROM refused_pages WHERE token = \(bind: old)").run()
            }
            try await sql.raw("""
                INSERT INTO refused_pages (token, session_digest, status, html, created_at)
                VALUES (\(bind: page.token), \(bind: page.sessionDigest), \(bind: page.status), \(bind: page.html), \(bind: ms))
                """).run()
        }
    }

    public func refusedPage(token: String, sessionDigest: String, since: Date) async throws -> RefusedPage? {
        try await database.run { sql in
            try await sql.raw("""
                SELECT token, session_digest, status, html, created_at FROM refused_pages
                WHERE token = \(bind: token) AND session_digest = \(bind: sessionDigest) AND created_at >= \(bind: since.millisecondsSince1970)
                """).first().map { row in
                RefusedPage(token: try row.decode(column: "token", as: String.self), sessionDigest: try row.decode(column: "session_digest", as: String.self),
                            status: try row.decode(column: "status", as: Int.self), html: try row.decode(column: "html", as: String.self),
                            at: Date(milliseconds: try row.decode(column: "created_at", as: Int64.self)))
            }
        }
    }
}
