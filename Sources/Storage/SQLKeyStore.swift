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

    public func revokeKey(id: Int64, at time: Date) async throws -> APIKey? {
        try await database.run { sql in
            try await sql.raw("""
                UPDATE api_keys SET revoked_at = COALESCE(revoked_at, \(bind: time.millisecondsSince1970))
                WHERE id = \(bind: id) RETURNING \(unsafeRaw: Self.columns)
                """).first().map(Self.key)
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
