public import Banks
import Foundation
public import Storage

/// Each storage test runs on both backends: a fresh SQLite file, and a fresh database on the
/// PostgreSQL server named by VIGIL_TEST_DATABASE_URL (scripts/with-postgres.sh starts one). A
/// missing server is a failure, never a skip.
public enum Backend: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite, postgres
    public var description: String { rawValue }
}

public final class TestDatabase: @unchecked Sendable {
    public let location: DatabaseLocation
    private let cleanup: () -> Void

    private init(location: DatabaseLocation, cleanup: @escaping () -> Void) {
        self.location = location
        self.cleanup = cleanup
    }

    deinit { cleanup() }

    public static func make(_ backend: Backend) throws -> TestDatabase {
        switch backend {
        case .sqlite:
            let dir = try TemporaryDirectory()
            return TestDatabase(location: .sqlite(path: dir.url.appendingPathComponent("vigil.sqlite").path)) { _ = dir }
        case .postgres:
            let scratch = try ScratchPostgres()
            return TestDatabase(location: .postgres(url: scratch.url)) { _ = scratch }
        }
    }

    /// Opens the database and a bank service on it, its index loaded and following the change log.
    public func service() async throws -> (BankService, VigilDatabase) {
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
