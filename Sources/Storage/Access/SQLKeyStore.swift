public import Access
public import Foundation
import SQLKit

/// `KeyStore` on SQLKit, for SQLite and PostgreSQL alike.
public struct SQLKeyStore: KeyStore {
    public let database: VigilDatabase

    public init(database: VigilDatabase) {
        self.database = database
    }

    static let columns = "id, label, role, prefix, created_at, revoked_at"

    public func createKey(label: String, role: Role, digest: String, prefix: String, at time: Date) async throws -> APIKey {
        try await database.run { sql in
            guard let row = try await sql.raw("""
                INSERT INTO api_keys (label, role, digest, prefix, created_at)
                VALUES (\(bind: label), \(bind: role.rawValue), \(bind: digest), \(bind: prefix), \(bind: time.millisecondsSince1970))
                RETURNING \(unsafeRaw: Self.columns)
                """).first() else { throw StorageError.corruptRow("INSERT returned no key") }
            return try Self.key(row)
        }
    }

    public func key(digest: String) async throws -> APIKey? {
        try await database.run { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM api_keys WHERE digest = \(bind: digest)").first().map(Self.key)
        }
    }

    public func listKeys() async throws -> [APIKey] {
        try await database.run { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM api_keys ORDER BY id").all().map(Self.key)
        }
    }

    /// The last live admin key is kept in the same transaction as the revocation: the live
    /// admin keys are locked first (PostgreSQL; SQLite's write transactions run one at a time),
    /// so two admins revoking each other at once cannot both succeed.
    public func revokeKey(id: Int64, at time: Date) async throws -> APIKey? {
        let lock = database.dialect == .postgres ? " FOR UPDATE" : ""
        return try await database.transaction { sql in
            _ = try await sql.raw("SELECT id FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL ORDER BY id\(unsafeRaw: lock)").all()
            guard let revoked = try await sql.raw("""
                UPDATE api_keys SET revoked_at = COALESCE(revoked_at, \(bind: time.millisecondsSince1970))
                WHERE id = \(bind: id) RETURNING \(unsafeRaw: Self.columns)
                """).first().map(Self.key) else { return nil }
            if revoked.role == .admin {
                let left = try await sql.raw("SELECT COUNT(*) AS n FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL").first()?
                    .decode(column: "n", as: Int.self) ?? 0
                if left == 0 { throw AccessError.lastAdmin(id) }
            }
            return revoked
        }
    }

    public func keyCount() async throws -> Int {
        try await database.run { sql in
            try await sql.raw("SELECT COUNT(*) AS n FROM api_keys").first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    static func key(_ row: any SQLRow) throws -> APIKey {
        let roleName = try row.decode(column: "role", as: String.self)
        guard let role = Role(rawValue: roleName) else { throw StorageError.corruptRow("unknown role \(roleName)") }
        return APIKey(
            id: try row.decode(column: "id", as: Int64.self),
            label: try row.decode(column: "label", as: String.self),
            role: role,
            prefix: try row.decode(column: "prefix", as: String.self),
            createdAt: Date(milliseconds: try row.decode(column: "created_at", as: Int64.self)),
            revokedAt: try row.decode(column: "revoked_at", as: Int64?.self).map(Date.init(milliseconds:)))
    }
}
