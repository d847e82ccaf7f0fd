import Access
import Foundation
import Storage
import Testing
import VigilTestSupport

/// The audit log on real SQLite and PostgreSQL: read forwards (the API's `after`) and newest
/// first (the dashboard's `before`), with filters, the two never skipping or repeating an event.
@Suite struct AuditLogStoreTests {
    @Test(arguments: Backend.allCases)
    func theLogReadsForwardsAndNewestFirstWithFilters(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let (_, database) = try await db.service()
        let log = SQLAuditLog(database: database)
        let base = Date(timeIntervalSince1970: 1_800_000_000)
        for i in 0..<7 {
            try await log.append(AuditEvent(at: base.addingTimeInterval(Double(i)), actor: i % 2 == 0 ? "user:ada" : "key:3",
                                            action: "evidence.reveal", target: "media:\(i)", outcome: "ok", remote: "10.0.0.\(i)"))
        }
        let forwards = try await log.events(after: 0, limit: 100, filter: AuditFilter(action: "evidence.reveal"))
        #expect(forwards.map(\.target) == (0..<7).map { "media:\($0)" })

        let newest = try await log.latestEvents(before: nil, limit: 3, filter: AuditFilter(action: "evidence.reveal"))
        #expect(newest.map(\.target) == ["media:6", "media:5", "media:4"])
        let earlier = try await log.latestEvents(before: try #require(newest.last?.id), limit: 3, filter: AuditFilter(action: "evidence.reveal"))
        #expect(earlier.map(\.target) == ["media:3", "media:2", "media:1"])
        let ada = try await log.latestEvents(before: nil, limit: 100, filter: AuditFilter(actor: "user:ada", action: "evidence.reveal"))
        #expect(ada.map(\.target) == ["media:6", "media:4", "media:2", "media:0"])
        #expect(ada.first?.remote == "10.0.0.6" && ada.first?.at == base.addingTimeInterval(6))
        await database.close()
    }
}
