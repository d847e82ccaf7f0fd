import Foundation
public import Integrations
import SQLKit
public import Vault

/// `CredentialStore` on SQLKit. Secret fields arrive sealed and are stored as base64 text.
public struct SQLCredentialStore: CredentialStore {
    public let database: VigilDatabase

    public init(database: VigilDatabase) {
        self.database = database
    }

    static let columns = "id, integration, field_values, secrets, created_at, updated_at"

    public func insert(_ credential: Credential) async throws {
        let (values, secrets) = try Self.encode(credential)
        try await UniqueViolation.answering(Self.nicknameTaken(credential)) {
            try await database.run { sql in
                try await sql.raw("""
                    INSERT INTO credentials (id, integration, field_values, secrets, nickname_key, created_at, updated_at)
                    VALUES (\(bind: credential.id), \(bind: credential.integration), \(bind: values), \(bind: secrets),
                            \(bind: Self.nicknameKey(credential)),
                            \(bind: credential.createdAt.millisecondsSince1970), \(bind: credential.updatedAt.millisecondsSince1970))
                    """).run()
            }
        }
    }

    /// What the unique index on (integration, nickname_key) compares: the nickname without regard to case.
    static func nicknameKey(_ credential: Credential) -> String? { Credential.nicknameKey(credential.values) }

    /// A nickname another credential of the integration took between the service's check and
    /// this write is the same answer as one taken before: `nicknameTaken`.
    static func nicknameTaken(_ credential: Credential) -> CredentialService.Failure {
        .nicknameTaken(credential.values["nickname"] ?? "", integration: Integrations.integration(credential.integration)?.name ?? credential.integration)
    }

    public func credential(id: String) async throws -> Credential? {
        try await database.run { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM credentials WHERE id = \(bind: id)").first().map(Self.credential)
        }
    }

    public func credentials() async throws -> [Credential] {
        try await database.run { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM credentials ORDER BY created_at, id").all().map(Self.credential)
        }
    }

    public func update(_ credential: Credential) async throws -> Bool {
        let (values, secrets) = try Self.encode(credential)
        return try await UniqueViolation.answering(Self.nicknameTaken(credential)) {
            try await database.run { sql in
                try await sql.raw("""
                    UPDATE credentials SET field_values = \(bind: values), secrets = \(bind: secrets), nickname_key = \(bind: Self.nicknameKey(credential)),
                           updated_at = \(bind: credential.updatedAt.millisecondsSince1970)
                    WHERE id = \(bind: credential.id) RETURNING id
                    """).all().count == 1
            }
        }
    }

    public func delete(id: String) async throws -> Bool {
        try await database.run { sql in
            try await sql.raw("DELETE FROM credentials WHERE id = \(bind: id) RETURNING id").all().count == 1
        }
    }

    public func keyCheck() async throws -> SealedSecret? {
        try await database.run { sql in
            guard let row = try await sql.raw("SELECT sealed FROM vault WHERE name = 'key_check'").first() else { return nil }
            let text = try row.decode(column: "sealed", as: String.self)
            guard let sealed = SealedSecret(base64: text) else { throw StorageError.corruptRow("the vault's key check is not base64") }
            return sealed
        }
    }

    public func addKeyCheck(_ check: SealedSecret) async throws {
        // Never replaces one: of two first starts at once, the second then checks its key
        // against the first's and is refused if they differ.
        try await database.run { sql in
            try await sql.raw("INSERT INTO vault (name, sealed) VALUES ('key_check', \(bind: check.base64)) ON CONFLICT (name) DO NOTHING").run()
        }
    }

    public func vaultEntry(_ name: String) async throws -> SealedSecret? {
        try await database.run { sql in
            guard let row = try await sql.raw("SELECT sealed FROM vault WHERE name = \(bind: name)").first() else { return nil }
            guard let sealed = SealedSecret(base64: try row.decode(column: "sealed", as: String.self)) else {
                throw StorageError.corruptRow("the vault's \(name) is not base64")
            }
            return sealed
        }
    }

    public func addVaultEntry(_ name: String, _ sealed: SealedSecret) async throws {
        try await database.run { sql in
            try await sql.raw("INSERT INTO vault (name, sealed) VALUES (\(bind: name), \(bind: sealed.base64)) ON CONFLICT (name) DO NOTHING").run()
        }
    }

    public func vaultEntries() async throws -> [String: SealedSecret] {
        try await database.run { sql in
            var entries: [String: SealedSecret] = [:]
            for row in try await sql.raw("SELECT name, sealed FROM vault WHERE name <> 'key_check'").all() {
                let name = try row.decode(column: "name", as: String.self)
                guard let sealed = SealedSecret(base64: try row.decode(column: "sealed", as: String.self)) else {
                    throw StorageError.corruptRow("the vault's \(name) is not base64")
                }
                entries[name] = sealed
            }
            return entries
        }
    }

    public func replaceAllSecrets(_ credentials: [Credential], entries: [String: SealedSecret], keyCheck: SealedSecret) async throws {
        let encoded = try credentials.map { ($0.id, try Self.encode($0).secrets) }
        try await database.transaction { sql in
            for (id, secrets) in encoded {
                try await sql.raw("UPDATE credentials SET secrets = \(bind: secrets) WHERE id = \(bind: id)").run()
            }
            for (name, sealed) in entries {
                try await sql.raw("UPDATE vault SET sealed = \(bind: sealed.base64) WHERE name = \(bind: name)").run()
            }
            try await sql.raw("""
                INSERT INTO vault (name, sealed) VALUES ('key_check', \(bind: keyCheck.base64))
                ON CONFLICT (name) DO UPDATE SET sealed = excluded.sealed
                """).run()
        }
    }

    static func encode(_ credential: Credential) throws -> (values: String, secrets: String) {
        (try JSONCoding.encode(credential.values), try JSONCoding.encode(credential.secrets.mapValues(\.base64)))
    }

    static func credential(_ row: any SQLRow) throws -> Credential {
        let sealed = try JSONCoding.decode([String: String].self, from: try row.decode(column: "secrets", as: String.self))
        var secrets: [String: SealedSecret] = [:]
        for (field, text) in sealed {
            guard let value = SealedSecret(base64: text) else { throw StorageError.corruptRow("credential secret \(field) is not base64") }
            secrets[field] = value
        }
        return Credential(
            id: try row.decode(column: "id", as: String.self),
            integration: try row.decode(column: "integration", as: String.self),
            values: try JSONCoding.decode([String: String].self, from: try row.decode(column: "field_values", as: String.self)),
            secrets: secrets,
            createdAt: Date(milliseconds: try row.decode(column: "created_at", as: Int64.self)),
            updatedAt: Date(milliseconds: try row.decode(column: "updated_at", as: Int64.self)))
    }
}
