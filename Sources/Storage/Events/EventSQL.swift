public import Events
public import Foundation
import Jobs
import JSONValues
import SQLKit

/// The event table in SQL. Events are appended inside the transaction of the change they
/// describe, and so are the webhook deliveries they call for: a change, its events and their
/// deliveries commit together or not at all.
///
/// Ids must grow in commit order, or a stream that read event 105 would never see 104
/// committing later: SQLite has one writer; on PostgreSQL each appending transaction takes a
/// transaction-scoped advisory lock first (as the bank change log does).
enum EventSQL {
    /// `pg_advisory_xact_lock` key: "VIGILEV" in ASCII.
    static let lockKey: Int64 = 0x56_4947_494C_4556
    /// NOTIFY channel that wakes event followers on PostgreSQL (delivered at commit).
    static let channel = "vigil_events"
    static let columns = "id, type, subject, actor, payload, at, trace_context"

    @discardableResult
    static func append(_ events: [NewEvent], at time: Date, on sql: any SQLDatabase, _ dialect: Dialect) async throws -> [Event] {
        guard !events.isEmpty else { return [] }
        if dialect == .postgres { try await sql.raw("SELECT pg_advisory_xact_lock(\(unsafeRaw: String(lockKey)))").run() }
        let ms = time.millisecondsSince1970
        // One statement for the whole batch: a recorder writing hundreds of matches at once pays
        // one round trip, not one per event.
        let writerTrace = JobTrace.current()
        var query = SQLQueryString("INSERT INTO events (type, subject, actor, payload, at, trace_context) VALUES ")
        for (index, event) in events.enumerated() {
            query.appendLiteral(index == 0 ? "(" : ", (")
            query.appendInterpolation(bind: event.type)
            query.appendLiteral(", ")
            query.appendInterpolation(bind: event.subject)
            query.appendLiteral(", ")
            query.appendInterpolation(bind: event.actor)
            query.appendLiteral(", ")
            query.appendInterpolation(bind: try JSONCoding.encode(event.payload))
            query.appendLiteral(", \(ms), ")
            query.appendInterpolation(bind: event.traceContext ?? writerTrace)
            query.appendLiteral(")")
        }
        // Only the ids come back: the rest is what was written, and reading each payload back as
        // JSON cost a lookup that matched an eighth of its CPU. Ids follow the VALUES order;
        // RETURNING's row order is not promised.
        query.appendLiteral(" RETURNING id")
        let ids = try await sql.raw(query).all().map { try $0.decode(column: "id", as: Int64.self) }.sorted()
        guard ids.count == events.count else { throw StorageError.corruptRow("INSERT returned \(ids.count) of \(events.count) events") }
        let at = Date(milliseconds: ms)
        let appended = zip(ids, events).map { id, event in
            Event(id: id, type: event.type, subject: event.subject, actor: event.actor, payload: event.payload, at: at,
                  traceContext: event.traceContext ?? writerTrace)
        }
        try await WebhookDeliverySQL.queue(for: appended, at: time, on: sql)
        if dialect == .postgres { try await sql.raw("NOTIFY \(unsafeRaw: channel)").run() }
        return appended
    }

    static func event(_ row: any SQLRow) throws -> Event {
        Event(id: try row.decode(column: "id", as: Int64.self), type: try row.decode(column: "type", as: String.self),
              subject: try row.decode(column: "subject", as: String.self), actor: try row.decode(column: "actor", as: String.self),
              payload: try JSONCoding.decode(JSONValue.self, try row.decode(column: "payload", as: String.self), "an event's payload"),
              at: Date(milliseconds: try row.decode(column: "at", as: Int64.self)),
              traceContext: try row.decode(column: "trace_context", as: String?.self))
    }
}

/// `EventStore` on SQLKit.
public struct SQLEventStore: EventStore {
    public let database: VigilDatabase

    public init(database: VigilDatabase) {
        self.database = database
    }

    public func append(_ events: [NewEvent], at time: Date) async throws -> [Event] {
        let dialect = database.dialect
        return try await database.transaction { sql in try await EventSQL.append(events, at: time, on: sql, dialect) }
    }

    public func events(after id: Int64, types: Set<String>?, limit: Int) async throws -> [Event] {
        try await database.run { sql in
            let query = sql.select().column(SQLRaw(EventSQL.columns)).from("events").where("id", .greaterThan, id)
            if let types {
                guard !types.isEmpty else { return [] }
                query.where("type", .in, types.sorted())
            }
            query.orderBy("id").limit(max(1, min(limit, 10_000)))
            return try await query.all().map(EventSQL.event)
        }
    }

    public func latestID() async throws -> Int64 {
        try await database.run { sql in
            try await sql.raw("SELECT COALESCE(MAX(id), 0) AS n FROM events").first()?.decode(column: "n", as: Int64.self) ?? 0
        }
    }

    public func cursor(_ name: String) async throws -> Int64? {
        try await database.run { sql in
            try await sql.raw("SELECT position FROM event_cursors WHERE name = \(bind: name)").first()?.decode(column: "position", as: Int64.self)
        }
    }

    public func saveCursor(_ name: String, position: Int64) async throws {
        try await database.run { sql in
            try await sql.raw("""
                INSERT INTO event_cursors (name, position) VALUES (\(bind: name), \(bind: position))
                ON CONFLICT (name) DO UPDATE SET position = excluded.position WHERE event_cursors.position < excluded.position
                """).run()
        }
    }
}
