public import Cases
public import Foundation
import SQLKit
public import Vault

/// Evidence files in the database (`media_blobs`), so every replica serves and reports them and
/// a backup of the database holds them. Each original and preview is sealed with the vault's
/// data key (AES-256-GCM, bound to its SHA-256 and kind) before it is written: the database
/// holds no plaintext byte of an image.
public struct SQLMediaBlobs: MediaFiles {
    let database: VigilDatabase
    let key: DataKey

    public init(database: VigilDatabase, key: DataKey) {
        self.database = database
        self.key = key
    }

    /// What the sealing binds the bytes to (the same as the files of earlier versions, so a file
    /// moved in keeps opening).
    static func name(_ sha256: String, _ kind: MediaFileKind) -> String { "\(sha256)/\(kind.rawValue)" }

    public func write(_ bytes: [UInt8], sha256: String, kind: MediaFileKind) async throws {
        try await Self.store(try key.seal(bytes, name: Self.name(sha256, kind)), sha256: sha256, kind: kind, on: database)
    }

    /// Writes sealed bytes as they are (a file moved in from a data directory).
    static func store(_ sealed: Data, sha256: String, kind: MediaFileKind, on database: VigilDatabase) async throws {
        try await database.run { sql in
            try await sql.raw("""
                INSERT INTO media_blobs (sha256, kind, sealed) VALUES (\(bind: sha256), \(bind: kind.rawValue), \(bind: sealed))
                ON CONFLICT (sha256, kind) DO UPDATE SET sealed = excluded.sealed
                """).run()
        }
    }

    public func read(sha256: String, kind: MediaFileKind) async throws -> [UInt8] {
        let sealed = try await database.run { sql in
            try await sql.raw("SELECT sealed FROM media_blobs WHERE sha256 = \(bind: sha256) AND kind = \(bind: kind.rawValue)")
                .first()?.decode(column: "sealed", as: Data.self)
        }
        guard let sealed else { throw CaseError.notFound("the \(kind.rawValue) of evidence file \(sha256)") }
        return try key.open(sealed, name: Self.name(sha256, kind))
    }

    public func delete(sha256: String) async throws {
        try await database.run { sql in
            try await sql.raw("DELETE FROM media_blobs WHERE sha256 = \(bind: sha256)").run()
        }
    }
}

/// Moves the evidence files an earlier version kept in a data directory (`evidence/`) into the
/// database, sealed bytes as they are; each file is deleted once its row is committed, so a move
/// interrupted half-way is finished by the next start. Every replica moves its own files.
public enum EvidenceFileMove {
    public struct Outcome: Sendable, Equatable {
        public var moved = 0
        /// Records whose file is in no data directory this process can see (another replica's,
        /// not yet moved, or lost).
        public var missing: [String] = []
    }

    public static func run(database: VigilDatabase, directory: URL, key: DataKey) async throws -> Outcome {
        var outcome = Outcome()
        guard FileManager.default.fileExists(atPath: directory.path) else { return outcome }
        let files = EncryptedMediaFiles(directory: directory, key: key)
        let pending = try await database.run { sql in
            try await sql.raw("""
                SELECT sha256 FROM media WHERE purged_at IS NULL
                  AND NOT EXISTS (SELECT 1 FROM media_blobs b WHERE b.sha256 = media.sha256 AND b.kind = 'original')
                ORDER BY sha256
                """).all().map { try $0.decode(column: "sha256", as: String.self) }
        }
        for sha in pending {
            var found = false
            for kind in [MediaFileKind.original, .preview] {
                let url = files.url(sha, kind)
                guard FileManager.default.fileExists(atPath: url.path) else { continue }
                try await SQLMediaBlobs.store(try Data(contentsOf: url), sha256: sha, kind: kind, on: database)
                found = found || kind == .original
            }
            if found {
                try await files.delete(sha256: sha)
                outcome.moved += 1
            } else {
                outcome.missing.append(sha)
            }
        }
        return outcome
    }
}

extension SQLMediaBlobs {
    public struct Check: Sendable, Equatable {
        /// Sealed originals and previews that opened.
        public var opened = 0
        /// Evidence still held (not purged) whose original is not in the database.
        public var missing: [String] = []
    }

    /// Opens every stored original and preview with `key` (a restore's proof that the evidence
    /// can still be read and reported), a page at a time; the first that does not open is the
    /// error, named.
    public static func checkAll(on database: VigilDatabase, key: DataKey) async throws -> Check {
        var check = Check()
        var after = ("", "")
        while true {
            let page = try await database.run { [after] sql in
                try await sql.raw("""
                    SELECT sha256, kind, sealed FROM media_blobs
                    WHERE sha256 > \(bind: after.0) OR (sha256 = \(bind: after.0) AND kind > \(bind: after.1))
                    ORDER BY sha256, kind LIMIT 200
                    """).all().map {
                    (try $0.decode(column: "sha256", as: String.self), try $0.decode(column: "kind", as: String.self), try $0.decode(column: "sealed", as: Data.self))
                }
            }
            guard let last = page.last else { break }
            for (sha, kind, sealed) in page {
                do { _ = try key.open(sealed, name: "\(sha)/\(kind)") } catch {
                    throw CaseError.invalid("the \(kind) of evidence \(sha) does not open with the vault's evidence key: \(error)")
                }
                check.opened += 1
            }
            after = (last.0, last.1)
        }
        check.missing = try await database.run { sql in
            try await sql.raw("""
                SELECT sha256 FROM media WHERE purged_at IS NULL
                  AND NOT EXISTS (SELECT 1 FROM media_blobs b WHERE b.sha256 = media.sha256 AND b.kind = 'original')
                ORDER BY sha256
                """).all().map { try $0.decode(column: "sha256", as: String.self) }
        }
        return check
    }
}
