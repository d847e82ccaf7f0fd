import Banks
import Foundation
import Storage
import Testing
import VigilTestSupport

/// Each storage test runs on both backends: a fresh SQLite file, and a fresh database on the
/// PostgreSQL server named by VIGIL_TEST_DATABASE_URL (scripts/with-postgres.sh starts one). A
/// missing server is a failure, never a skip.
enum Backend: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite, postgres
    var description: String { rawValue }
}

final class TestDatabase: @unchecked Sendable {
    let location: DatabaseLocation
    private let cleanup: () -> Void

    private init(location: DatabaseLocation, cleanup: @escaping () -> Void) {
        self.location = location
        self.cleanup = cleanup
    }

    deinit { cleanup() }

    static func make(_ backend: Backend) throws -> TestDatabase {
        switch backend {
        case .sqlite:
            let dir = try TemporaryDirectory()
            return TestDatabase(location: .sqlite(path: dir.url.appendingPathComponent("vigil.sqlite").path)) { _ = dir }
        case .postgres:
            guard let server = ProcessInfo.processInfo.environment["VIGIL_TEST_DATABASE_URL"] else {
                throw PostgresMissing()
            }
            let name = "vigil_t_\(UUID().uuidString.prefix(8).lowercased())"
            try psql(server, "CREATE DATABASE \(name)")
            let url = server.replacingOccurrences(of: "/vigil_test", with: "/\(name)")
            return TestDatabase(location: .postgres(url: url)) { try? psql(server, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
        }
    }

    struct PostgresMissing: Error, CustomStringConvertible {
        var description: String { "VIGIL_TEST_DATABASE_URL is not set: run the tests through scripts/with-postgres.sh (make test)" }
    }

    static func psql(_ url: String, _ command: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        process.arguments = [url, "-q", "-v", "ON_ERROR_STOP=1", "-c", command]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.executableLoad) }
    }

    /// Opens the database and a bank service on it, its index loaded and following the change log.
    func service() async throws -> (BankService, VigilDatabase) {
        let database = try await VigilDatabase.open(location)
        let service = BankService(store: SQLBankStore(database: database), index: MatchIndex())
        do {
            try await service.loadIndex()
        } catch {
            await database.close()
            throw error
        }
        return (service, database)
    }
}
