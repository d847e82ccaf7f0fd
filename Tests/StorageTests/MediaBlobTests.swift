import Cases
import Foundation
import SQLKit
import Storage
import Testing
import Vault
import VigilTestSupport

/// Evidence in the database: sealed blobs that open only with their own name, and the files of
/// earlier versions moved in at start, each deleted once its row is committed.
@Suite struct MediaBlobTests {
    @Test(arguments: Backend.allCases)
    func filesOfAnEarlierVersionAreMovedIntoTheDatabase(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let database = try await VigilDatabase.open(db.location)
        defer { Task { await database.close() } }
        let key = DataKey.generate()
        let directory = try TemporaryDirectory().url.appendingPathComponent("evidence")
        let legacy = EncryptedMediaFiles(directory: directory, key: key)
        let media = SQLMediaStore(database: database)
        let (kept, lost) = (String(repeating: "ab", count: 32), String(repeating: "cd", count: 32))
        let original: [UInt8] = Array("the original image's bytes".utf8), preview: [UInt8] = Array("its preview".utf8)
        try await legacy.write(original, sha256: kept, kind: .original)
        try await legacy.write(preview, sha256: kept, kind: .preview)
        _ = try await media.record(sha256: kept, size: original.count, contentType: "image/jpeg", at: Date())
        _ = try await media.record(sha256: lost, size: 1, contentType: "image/jpeg", at: Date())

        let outcome = try await EvidenceFileMove.run(database: database, directory: directory, key: key)
        #expect(outcome.moved == 1 && outcome.missing == [lost])
        let blobs = SQLMediaBlobs(database: database, key: key)
        #expect(try await blobs.read(sha256: kept, kind: .original) == original)
        #expect(try await blobs.read(sha256: kept, kind: .preview) == preview)
        #expect(!FileManager.default.fileExists(atPath: legacy.url(kept, .original).path), "the file is gone once its row is in")
        // Run again (a second start): nothing left to move, nothing changed.
        #expect(try await EvidenceFileMove.run(database: database, directory: directory, key: key).moved == 0)
        #expect(try await blobs.read(sha256: kept, kind: .original) == original)

        // Sealed: the bytes in the database are not the image's, and open only under their own name.
        let stored = try await database.run { sql in
            try #require(try await sql.raw("SELECT sealed FROM media_blobs WHERE kind = 'original'").first()).decode(column: "sealed", as: Data.self)
        }
        #expect(stored.firstRange(of: Data(original)) == nil)
        #expect(throws: (any Error).self) { try key.open(stored, name: "\(kept)/preview") }
        try await blobs.delete(sha256: kept)
        await #expect(throws: CaseError.self) { try await blobs.read(sha256: kept, kind: .original) }
    }
}
