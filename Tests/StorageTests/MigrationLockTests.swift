import Foundation
import Storage
import Testing
import VigilTestSupport

/// Issue 32: replicas started together on a database one release behind (here: an empty one)
/// migrate it once: one takes the lock and applies each migration, the others wait and find it
/// done. Before, each read the version outside any lock and ran the same `CREATE TABLE`; all but
/// one failed to start.
@Suite struct MigrationLockTests {
    @Test(arguments: Backend.allCases)
    func replicasStartedTogetherMigrateOnce(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let location = db.location
        let opened = try await withThrowingTaskGroup(of: VigilDatabase.self) { group in
            for _ in 0..<4 { group.addTask { try await VigilDatabase.open(location) } }
            var all: [VigilDatabase] = []
            for try await database in group { all.append(database) }
            return all
        }
        #expect(opened.count == 4)
        let first = try #require(opened.first)
        let recorded = try await first.run { sql in
            try await sql.raw("SELECT version FROM vigil_schema_migrations ORDER BY version").all().map { try $0.decode(column: "version", as: Int.self) }
        }
        #expect(recorded == Array(1...VigilDatabase.latestSchemaVersion))
        for database in opened {
            #expect(try await database.schemaVersion() == VigilDatabase.latestSchemaVersion)
            await database.close()
        }
    }
}
