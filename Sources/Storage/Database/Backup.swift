public import Foundation
import Logging
import SQLKit
import SQLiteKit

/// What a backup folder holds besides the database: which vigil and schema wrote it, the
/// database file's digest, how many of each kind of record it holds, and the vault's key check
/// (a value sealed under the master key, so a restore can tell before it touches anything whether
/// the key it was given opens this backup). The master key itself is never in a backup.
public struct BackupManifest: Codable, Sendable, Equatable {
    public static let fileName = "manifest.json"
    public static let currentFormat = "vigil-backup-1"

    public var format: String
    public var vigilVersion: String
    public var schemaVersion: Int
    /// `sqlite` or `postgres`: which restore it needs.
    public var backend: String
    public var createdAt: Date
    /// The database's file in the folder (`vigil.sqlite`, or `vigil.pgdump` in pg_dump's custom format).
    public var databaseFile: String
    public var databaseSHA256: String
    public var databaseBytes: Int64
    /// The vault's key check, sealed under the master key; nil when no secret was ever stored.
    public var keyCheck: String?
    public var counts: [String: Int64]
    /// HMAC-SHA-256 of `signedMessage` under a key derived from the master key (Vault's
    /// `BackupSignature`): a restore refuses a backup whose manifest or database was changed.
    public var signature: String?

    /// Every field but the signature, in a fixed order: what the signature covers (the
    /// database file through its digest).
    public var signedMessage: [UInt8] {
        let counted = counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        let fields = [format, vigilVersion, String(schemaVersion), backend, createdAt.formatted(.iso8601), databaseFile, databaseSHA256,
                      String(databaseBytes), keyCheck ?? "", counted]
        return Array(fields.joined(separator: "\n").utf8)
    }

    enum CodingKeys: String, CodingKey {
        case format, backend, counts, signature
        case vigilVersion = "vigil_version", schemaVersion = "schema_version", createdAt = "created_at"
        case databaseFile = "database_file", databaseSHA256 = "database_sha256", databaseBytes = "database_bytes", keyCheck = "key_check"
    }
}

public enum BackupError: Error, Sendable, CustomStringConvertible, Equatable {
    case folder(String)
    case invalid(String)
    case tool(String)
    case target(String)

    public var description: String {
        switch self {
        case let .folder(message), let .invalid(message), let .tool(message), let .target(message): message
        }
    }
}

/// `vigil backup` and the placing half of `vigil restore`: a consistent copy of the database
/// while servers keep writing to it, and putting one back into an empty place.
///
/// SQLite: `VACUUM INTO`, one read transaction on a connection of this process, so the copy is
/// the database as of one commit while the servers' writes go on into the WAL (SQLite's own
/// alternative to its backup API, which sqlite-nio does not expose). PostgreSQL: `pg_dump` in its
/// custom format, which reads in one snapshot, and `pg_restore` into an empty database.
public enum DatabaseBackup {
    /// The tables whose rows the manifest counts, and a restore compares.
    static let countedTables = ["banks", "bank_entries", "credentials", "media_blobs", "cases", "case_evidence", "reports",
                                "workflows", "workflow_runs", "accounts", "api_keys", "users", "jobs", "events", "audit_log"]

    /// Writes the backup of `location` into `folder` (made; it must not exist or be empty).
    /// `sign` signs the manifest (`BackupSignature` under the master key).
    public static func write(_ location: DatabaseLocation, to folder: URL, vigilVersion: String,
                             environment: [String: String] = ProcessInfo.processInfo.environment,
                             sign: ([UInt8]) -> String) async throws -> BackupManifest {
        try prepare(folder)
        let databaseFile: String
        let facts: Facts
        switch location {
        case let .sqlite(path):
            guard FileManager.default.fileExists(atPath: path) else { throw BackupError.invalid("no Vigil database at \(path): check --data-dir or --database-url") }
            databaseFile = "vigil.sqlite"
            let copy = folder.appendingPathComponent(databaseFile).path
            try await withSQLite(path) { sql in
                // A file that is not Vigil's is refused before it is copied; the rows are counted
                // once, in the copy.
                _ = try await Self.schemaVersion(sql)
                try await sql.raw("VACUUM INTO \(bind: copy)").run()
            }
            guard chmod(copy, 0o600) == 0 else { throw BackupError.folder("cannot make \(copy) private (mode 0600)") }
            // The copy's own rows, not the live database's a moment later.
            facts = try await withSQLite(copy) { try await Self.facts($0) }
        case let .postgres(url):
            databaseFile = "vigil.pgdump"
            let dump = folder.appendingPathComponent(databaseFile).path
            let (target, pgEnvironment) = postgresTool(url, environment)
            // One snapshot for the counts and the dump: this transaction exports it and stays
            // open while pg_dump reads in it.
            facts = try await withPostgres(url) { sql in
                try await sql.raw("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").run()
                do {
                    let snapshot = try await sql.raw("SELECT pg_export_snapshot() AS s").first()?.decode(column: "s", as: String.self) ?? ""
                    let facts = try await Self.facts(sql)
                    try await ExternalTool.run("pg_dump", ["--format=custom", "--no-owner", "--no-privileges", "--snapshot=\(snapshot)",
                                                           "--file=\(dump)", "--dbname=\(target)"], environment: pgEnvironment)
                    try await sql.raw("COMMIT").run()
                    return facts
                } catch {
                    try? await sql.raw("ROLLBACK").run()
                    throw error
                }
            }
            guard chmod(dump, 0o600) == 0 else { throw BackupError.folder("cannot make \(dump) private (mode 0600)") }
        }
        let fileURL = folder.appendingPathComponent(databaseFile)
        let (digest, bytes) = try sha256(of: fileURL)
        var manifest = BackupManifest(format: BackupManifest.currentFormat, vigilVersion: vigilVersion, schemaVersion: facts.schemaVersion,
                                      backend: location.backendName, createdAt: Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)),
                                      databaseFile: databaseFile, databaseSHA256: digest, databaseBytes: bytes, keyCheck: facts.keyCheck,
                                      counts: facts.counts, signature: nil)
        manifest.signature = sign(manifest.signedMessage)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let manifestURL = folder.appendingPathComponent(BackupManifest.fileName)
        do { try encoder.encode(manifest).write(to: manifestURL, options: .atomic) } catch {
            throw BackupError.folder("cannot write \(manifestURL.path): \(FileProblem.describe(error, path: manifestURL.path))")
        }
        return manifest
    }

    /// The manifest of a backup folder, checked: its format, its schema (not newer than this
    /// vigil's), and the name of its database file. Its signature is checked by the restore with
    /// the master key, and the database file's digest on the copy it makes (`copyChecked`).
    public static func read(_ folder: URL) throws -> BackupManifest {
        let manifestURL = folder.appendingPathComponent(BackupManifest.fileName)
        let data: Data
        do { data = try Data(contentsOf: manifestURL) } catch {
            throw BackupError.invalid("\(folder.path) is not a Vigil backup: cannot read \(BackupManifest.fileName)")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let manifest: BackupManifest
        do { manifest = try decoder.decode(BackupManifest.self, from: data) } catch {
            throw BackupError.invalid("\(manifestURL.path) is not a Vigil backup manifest (\(Self.describe(error))): the backup is damaged")
        }
        guard manifest.format == BackupManifest.currentFormat else {
            throw BackupError.invalid("\(manifestURL.path) has format \(manifest.format); this vigil reads \(BackupManifest.currentFormat)")
        }
        guard manifest.schemaVersion <= Migrations.latestVersion else {
            throw BackupError.invalid("the backup holds schema version \(manifest.schemaVersion), written by vigil \(manifest.vigilVersion); this vigil understands up to \(Migrations.latestVersion): restore it with that release or a newer one")
        }
        guard ["vigil.sqlite", "vigil.pgdump"].contains(manifest.databaseFile) else {
            throw BackupError.invalid("the manifest names an unexpected database file \(manifest.databaseFile)")
        }
        // The database file's digest is checked on the private copy a restore makes of it (`place`),
        // so the file cannot be changed between the check and its use.
        return manifest
    }

    /// Puts the backup's database at `location`, which must hold no Vigil database. SQLite: the
    /// file is copied to `staging` (returned), for the caller to check and then move into place
    /// with `commit`; PostgreSQL: restored straight into the (empty) database.
    public static func place(_ folder: URL, _ manifest: BackupManifest, at location: DatabaseLocation,
                             environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> DatabaseLocation {
        guard manifest.backend == location.backendName else {
            throw BackupError.target("the backup is of a \(manifest.backend) database; restore it to a \(manifest.backend) one (got \(location))")
        }
        let source = folder.appendingPathComponent(manifest.databaseFile)
        switch location {
        case let .sqlite(path):
            for file in [path, path + "-wal"] where FileManager.default.fileExists(atPath: file) {
                throw BackupError.target("\(file) exists: restore into an empty data directory (or move the old database away first)")
            }
            let staging = path + ".restoring"
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw BackupError.target("cannot make \(folder.path): \(FileProblem.describe(error, path: folder.path))")
            }
            for file in [staging, staging + "-wal", staging + "-shm"] { unlink(file) }
            do {
                try copyChecked(source, to: staging, manifest)
                try giveToOwner(of: folder.path, staging)
                try compare(try await withSQLite(staging) { try await Self.facts($0) }, manifest)
            } catch {
                for file in [staging, staging + "-wal", staging + "-shm"] { unlink(file) }
                throw error
            }
            return .sqlite(path: staging)
        case let .postgres(url):
            let holdsVigil = try await withPostgres(url) { sql in
                try await sql.raw("SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'vigil_schema_migrations'")
                    .first()?.decode(column: "n", as: Int.self) ?? 0
            }
            guard holdsVigil == 0 else {
                throw BackupError.target("\(location) already holds a Vigil database: restore into a new, empty database")
            }
            // pg_restore reads a private copy whose digest was checked, never the backup folder's file.
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-restore-\(UUID().uuidString)")
            do {
                try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            } catch {
                throw BackupError.target("cannot make \(scratch.path): \(FileProblem.describe(error, path: scratch.path))")
            }
            defer { try? FileManager.default.removeItem(at: scratch) }
            let copy = scratch.appendingPathComponent(manifest.databaseFile).path
            try copyChecked(source, to: copy, manifest)
            let (target, tools) = postgresTool(url, environment)
            try await ExternalTool.run("pg_restore", ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", "--dbname=\(target)", copy],
                                       environment: tools)
            try compare(try await withPostgres(url) { try await Self.facts($0) }, manifest)
            return location
        }
    }

    /// The placed database holds what the backup counted, table by table.
    static func compare(_ facts: Facts, _ manifest: BackupManifest) throws {
        guard facts.schemaVersion == manifest.schemaVersion, facts.keyCheck == manifest.keyCheck else {
            throw BackupError.invalid("the restored database is not the one the manifest describes (schema or key check differ)")
        }
        for (table, count) in manifest.counts.sorted(by: { $0.key < $1.key }) where facts.counts[table] != count {
            throw BackupError.invalid("the restored database holds \(facts.counts[table] ?? 0) rows of \(table), the backup counted \(count)")
        }
    }

    /// Moves a checked SQLite copy from its staging name to `location` (after it was closed).
    public static func commit(_ staged: DatabaseLocation, to location: DatabaseLocation) throws {
        guard case let .sqlite(from) = staged, case let .sqlite(to) = location, from != to else { return }
        for file in [from + "-wal", from + "-shm"] where FileManager.default.fileExists(atPath: file) {
            throw BackupError.target("\(file) was left by the check: the restored database was not closed cleanly")
        }
        guard rename(from, to) == 0 else { throw BackupError.target("cannot move \(from) to \(to)") }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case let DecodingError.keyNotFound(key, _): "no \(key.stringValue)"
        case let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context):
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")) is not what it should be"
        case DecodingError.dataCorrupted: "not JSON"
        default: "unreadable"
        }
    }

    /// Deletes a staged SQLite copy that failed its check.
    public static func discard(_ staged: DatabaseLocation, keeping location: DatabaseLocation) {
        guard case let .sqlite(path) = staged, staged != location else { return }
        for file in [path, path + "-wal", path + "-shm"] { unlink(file) }
    }

    /// Rows of each counted table, for comparing a restored database with its manifest.
    public static func counts(_ database: VigilDatabase) async throws -> [String: Int64] {
        try await database.run { sql in try await Self.facts(sql).counts }
    }

    struct Facts {
        var schemaVersion: Int
        var keyCheck: String?
        var counts: [String: Int64]
    }

    static func schemaVersion(_ sql: any SQLDatabase) async throws -> Int {
        do { return try await VigilDatabase.schemaVersion(sql) } catch {
            throw BackupError.invalid("the database holds no Vigil schema (\(String(describing: error).prefix(120)))")
        }
    }

    static func facts(_ sql: any SQLDatabase) async throws -> Facts {
        let version = try await schemaVersion(sql)
        let check = try await sql.raw("SELECT sealed FROM vault WHERE name = 'key_check'").first()?.decode(column: "sealed", as: String.self)
        var counts: [String: Int64] = [:]
        for table in countedTables {
            counts[table] = try await sql.raw("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM \(unsafeRaw: table)").first()?.decode(column: "n", as: Int64.self) ?? 0
        }
        return Facts(schemaVersion: version, keyCheck: check, counts: counts)
    }

    static func withSQLite<T: Sendable>(_ path: String, _ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let connection: SQLiteConnection
        do { connection = try await SQLiteConnection.open(storage: .file(path: path), logger: Logger(label: "vigil.backup")) } catch {
            throw BackupError.invalid("cannot open \(path): \(String(describing: error).prefix(200))")
        }
        do {
            let result = try await body(connection.sql(queryLogLevel: nil))
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    static func withPostgres<T: Sendable>(_ url: String, _ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await VigilDatabase.withUnmigratedPostgres(url, body)
    }
}

extension DatabaseLocation {
    var backendName: String {
        switch self {
        case .sqlite: "sqlite"
        case .postgres: "postgres"
        }
    }
}
