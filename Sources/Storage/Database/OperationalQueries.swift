public import Foundation
import SQLKit

/// The few aggregate reads the metrics take at each scrape; each is one indexed or small query.
public struct OperationalQueries: Sendable {
    let database: VigilDatabase

    public init(database: VigilDatabase) { self.database = database }

    public struct QueueRow: Sendable, Equatable {
        public var kind: String
        public var queued: Int64
        public var running: Int64
        /// The earliest `run_after` of the queued jobs that are due.
        public var oldestDue: Date?
    }

    /// Queued and running jobs by kind.
    public func jobQueue(now: Date) async throws -> [QueueRow] {
        try await database.run { sql in
            try await sql.raw("""
                SELECT kind,
                       CAST(SUM(CASE WHEN state = 'queued' THEN 1 ELSE 0 END) AS BIGINT) AS queued,
                       CAST(SUM(CASE WHEN state = 'running' THEN 1 ELSE 0 END) AS BIGINT) AS running,
                       MIN(CASE WHEN state = 'queued' AND run_after <= \(bind: now.millisecondsSince1970) THEN run_after END) AS oldest_due
                FROM jobs WHERE state IN ('queued', 'running') GROUP BY kind
                """).all().map { row in
                QueueRow(kind: try row.decode(column: "kind", as: String.self), queued: try row.decode(column: "queued", as: Int64.self),
                         running: try row.decode(column: "running", as: Int64.self),
                         oldestDue: try row.decode(column: "oldest_due", as: Int64?.self).map { Date(milliseconds: $0) })
            }
        }
    }

    /// Evidence held (not purged): files and their original bytes.
    public func evidence() async throws -> (files: Int64, bytes: Int64) {
        try await database.run { sql in
            guard let row = try await sql.raw("""
                SELECT CAST(COUNT(*) AS BIGINT) AS files, CAST(COALESCE(SUM(size), 0) AS BIGINT) AS bytes FROM media WHERE purged_at IS NULL
                """).first() else { return (0, 0) }
            return (try row.decode(column: "files", as: Int64.self), try row.decode(column: "bytes", as: Int64.self))
        }
    }

    /// When the first change after `applied` was written.
    public func oldestChange(after applied: Int64) async throws -> Date? {
        try await database.run { sql in
            try await sql.raw("SELECT at FROM bank_changes WHERE seq > \(bind: applied) ORDER BY seq LIMIT 1").first()?
                .decode(column: "at", as: Int64.self)
        }.map { Date(milliseconds: $0) }
    }
}
