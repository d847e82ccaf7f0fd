import Foundation
import Storage
import VigilServer

/// The metrics' readings from the database, with every job kind this process runs listed even
/// when it has no job (a gauge that is absent cannot be alerted on).
struct StoredReadings: OperationalReadings {
    let queries: OperationalQueries
    let kinds: [String]

    func jobQueue(now: Date) async throws -> [JobQueueReading] {
        let rows = Dictionary(try await queries.jobQueue(now: now).map { ($0.kind, $0) }) { first, _ in first }
        return Set(kinds).union(rows.keys).sorted().map { kind in
            let row = rows[kind]
            return JobQueueReading(kind: kind, queued: row?.queued ?? 0, running: row?.running ?? 0,
                                   oldestDueSeconds: row?.oldestDue.map { max(0, now.timeIntervalSince($0)) } ?? 0)
        }
    }

    func evidence() async throws -> (files: Int64, bytes: Int64) { try await queries.evidence() }

    func oldestChange(after applied: Int64) async throws -> Date? { try await queries.oldestChange(after: applied) }
}
