public import Access
import Foundation
import SQLKit

/// `AuditLog` on SQLKit: rows are only ever inserted.
public struct SQLAuditLog: AuditLog {
    public let database: VigilDatabase

    public init(database: VigilDatabase) {
        self.database = database
    }

    public func append(_ event: AuditEvent) async throws {
        try await database.run { sql in
            try await sql.raw("""
                INSERT INTO audit_log (at, actor, action, target, outcome, remote)
                VALUES (\(bind: event.at.millisecondsSince1970), \(bind: event.actor), \(bind: event.action), \(bind: event.target),
                        \(bind: event.outcome), \(bind: event.remote))
                """).run()
        }
    }

    public func events(after afterID: Int64, limit: Int, filter: AuditFilter) async throws -> [AuditEvent] {
        try await select(from: afterID, newestFirst: false, filter: filter, limit: limit)
    }

    public func latestEvents(before beforeID: Int64?, limit: Int, filter: AuditFilter) async throws -> [AuditEvent] {
        try await select(from: beforeID ?? .max, newestFirst: true, filter: filter, limit: limit)
    }

    /// Events past `bound` (exclusive), going up from it or, newest first, down from it.
    private func select(from bound: Int64, newestFirst: Bool, filter: AuditFilter, limit: Int) async throws -> [AuditEvent] {
        return try await database.run { sql in
            let query = sql.select().columns("id", "at", "actor", "action", "target", "outcome", "remote").from("audit_log")
                .where("id", newestFirst ? .lessThan : .greaterThan, bound)
            for (column, value) in [("actor", filter.actor), ("action", filter.action), ("target", filter.target)] {
                if let value { query.where(SQLIdentifier(column), .equal, SQLBind(value)) }
            }
            query.orderBy("id", newestFirst ? .descending : .ascending).limit(limit)
            return try await query.all().map { row in
                AuditEvent(
                    id: try row.decode(column: "id", as: Int64.self),
                    at: Date(milliseconds: try row.decode(column: "at", as: Int64.self)),
                    actor: try row.decode(column: "actor", as: String.self),
                    action: try row.decode(column: "action", as: String.self),
                    target: try row.decode(column: "target", as: String.self),
                    outcome: try row.decode(column: "outcome", as: String.self),
                    remote: try row.decode(column: "remote", as: String?.self))
            }
        }
    }
}
