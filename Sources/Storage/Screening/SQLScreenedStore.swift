public import Events
public import Foundation
public import Screening
import Banks
import SQLKit

/// `ScreenedStore` on SQLKit: the `screened_signals` table, the check's cursor over
/// `bank_entries` (`retro_cursor`) and the pairs already reported (`retro_hits`).
public struct SQLScreenedStore: ScreenedStore {
    public let database: VigilDatabase
    static let columns = "id, at, lookup_id, api, caller, account_ref, run_id, pdq, pdq_quality, md5, sha256, matched_entries"

    public init(database: VigilDatabase) {
        self.database = database
    }

    public func record(_ signals: [ScreenedSignal]) async throws {
        guard !signals.isEmpty else { return }
        try await database.transaction { sql in
            // 12 values a row: 500 rows stay far below SQLite's limit on bound values.
            for chunk in stride(from: 0, to: signals.count, by: 500).map({ signals[$0..<min($0 + 500, signals.count)] }) {
                var query = SQLQueryString("INSERT INTO screened_signals (at, day, lookup_id, api, caller, account_ref, run_id, pdq, pdq_quality, md5, sha256, matched_entries) VALUES ")
                for (i, signal) in chunk.enumerated() {
                    if i > 0 { query.appendLiteral(", ") }
                    query.appendInterpolation("""
                        (\(bind: signal.at.millisecondsSince1970), \(bind: signal.day), \(bind: signal.lookupID), \(bind: signal.api), \(bind: signal.caller),
                         \(bind: signal.accountReference), \(bind: signal.runID), \(bind: signal.pdq.map(PDQBytes.data)), \(bind: signal.pdqQuality),
                         \(bind: signal.md5), \(bind: signal.sha256), \(bind: signal.matchedEntries.map(String.init).joined(separator: ",")))
                        """ as SQLQueryString)
                }
                try await sql.raw(query).run()
            }
        }
    }

    public func dropDays(before day: Int64) async throws -> Int {
        // In chunks of their own transactions: a day of millions of rows never holds the write
        // lock long enough to keep a lookup's match event waiting.
        var dropped = 0
        while true {
            let chunk = try await database.run { sql in
                try await sql.raw("""
                    DELETE FROM screened_signals WHERE id IN (SELECT id FROM screened_signals WHERE day < \(bind: day) LIMIT 5000) RETURNING id
                    """).all().count
            }
            dropped += chunk
            if chunk < 5000 { break }
        }
        // The pairs already reported go with the signals they name.
        try await database.run { sql in
            try await sql.raw("DELETE FROM retro_hits WHERE screened_id NOT IN (SELECT id FROM screened_signals)").run()
        }
        return dropped
    }

    public func delete(accountReference: String) async throws -> Int {
        try await database.run { sql in
            try await sql.raw("DELETE FROM screened_signals WHERE account_ref = \(bind: accountReference) RETURNING id").all().count
        }
    }

    public func count() async throws -> Int {
        try await database.run { sql in
            try await sql.raw("SELECT COUNT(*) AS n FROM screened_signals").first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    public func newEntries(limit: Int, addedBefore: Date) async throws -> NewEntries {
        try await database.run { sql in
            let cursor = try await Self.cursor(sql)
            let rows = try await sql.raw("""
                SELECT e.id, e.pdq, e.md5, e.sha256, b.name, b.kind, b.pdq_threshold FROM bank_entries e JOIN banks b ON b.id = e.bank_id
                WHERE e.id > \(bind: cursor) AND e.added_at < \(bind: addedBefore.millisecondsSince1970) ORDER BY e.id LIMIT \(bind: limit)
                """).all()
            var through = cursor
            var entries: [RetroEntry] = []
            for row in rows {
                through = try row.decode(column: "id", as: Int64.self)
                guard try row.decode(column: "kind", as: String.self) == "match" else { continue }
                entries.append(RetroEntry(id: through, bank: try row.decode(column: "name", as: String.self),
                                          pdq: try SQLBankStore.pdq(try row.decode(column: "pdq", as: Data?.self)), md5: try row.decode(column: "md5", as: String?.self),
                                          sha256: try row.decode(column: "sha256", as: String?.self), threshold: try row.decode(column: "pdq_threshold", as: Int.self)))
            }
            return NewEntries(cursor: cursor, through: through, scanned: rows.count, entries: entries)
        }
    }

    static func cursor(_ sql: any SQLDatabase) async throws -> Int64 {
        guard let row = try await sql.raw("SELECT entry_id FROM retro_cursor WHERE name = 'entries'").first() else {
            throw StorageError.corruptRow("the retroactive check has no cursor (migration 20 writes it)")
        }
        return try row.decode(column: "entry_id", as: Int64.self)
    }

    public func screened(md5: [String], sha256: [String]) async throws -> [ScreenedSignal] {
        try await database.run { sql in
            var found: [ScreenedSignal] = []
            for (column, values) in [("md5", md5), ("sha256", sha256)] where !values.isEmpty {
                for chunk in stride(from: 0, to: values.count, by: 500).map({ Array(values[$0..<min($0 + 500, values.count)]) }) {
                    var query = SQLQueryString("SELECT \(unsafeRaw: Self.columns) FROM screened_signals WHERE \(unsafeRaw: column) IN (")
                    for (i, value) in chunk.enumerated() {
                        if i > 0 { query.appendLiteral(", ") }
                        query.appendInterpolation(bind: value)
                    }
                    query.appendLiteral(")")
                    found += try await sql.raw(query).all().map(Self.signal)
                }
            }
            return found
        }
    }

    public func screenedPDQs(after id: Int64, limit: Int) async throws -> [ScreenedPDQ] {
        try await database.run { sql in
            try await sql.raw("""
                SELECT id, pdq FROM screened_signals WHERE id > \(bind: id) AND pdq IS NOT NULL ORDER BY id LIMIT \(bind: limit)
                """).all().compactMap { row in
                    try SQLBankStore.pdq(try row.decode(column: "pdq", as: Data?.self)).map { ScreenedPDQ(id: try row.decode(column: "id", as: Int64.self), pdq: $0) }
                }
        }
    }

    public func screened(ids: [Int64]) async throws -> [ScreenedSignal] {
        guard !ids.isEmpty else { return [] }
        return try await database.run { sql in
            var found: [ScreenedSignal] = []
            for start in stride(from: 0, to: ids.count, by: 500) {
                let list = SQLCaseStore.idList(Array(ids[start..<min(start + 500, ids.count)]))
                found += try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM screened_signals WHERE id IN (\(unsafeRaw: list))").all().map(Self.signal)
            }
            return found.sorted { $0.id < $1.id }
        }
    }

    public func commit(_ hits: [RetroHit], event: @Sendable (RetroHit) -> NewEvent, also: [NewEvent], seen: [RetroHit], from: Int64,
                       to: Int64) async throws -> [RetroHit] {
        let dialect = database.dialect
        return try await database.transaction { sql in
            // The cursor moves only from where this check read it: a second checker that read the
            // same batch writes nothing.
            guard try await sql.raw("""
                UPDATE retro_cursor SET entry_id = \(bind: to) WHERE name = 'entries' AND entry_id = \(bind: from) RETURNING entry_id
                """).first() != nil else { return [] }
            return try await Self.record(hits, event: event, also: also, seen: seen, sql, dialect)
        }
    }

    public func commitRechecks(_ hits: [RetroHit], event: @Sendable (RetroHit) -> NewEvent, also: [NewEvent], seen: [RetroHit],
                               done: Rechecks) async throws -> [RetroHit] {
        let dialect = database.dialect
        return try await database.transaction { sql in
            // Two checkers rechecking the same entries report each pair once (retro_hits); an entry
            // queued again since it was read (freed once more) keeps its recheck.
            for start in stride(from: 0, to: done.ids.count, by: 500) {
                let list = SQLCaseStore.idList(Array(done.ids[start..<min(start + 500, done.ids.count)]))
                try await sql.raw("DELETE FROM retro_rechecks WHERE entry_id IN (\(unsafeRaw: list)) AND queued_at <= \(bind: done.queuedThrough)").run()
            }
            return try await Self.record(hits, event: event, also: also, seen: seen, sql, dialect)
        }
    }

    /// Each hit not recorded before, with its event and its count on the entry; and `also`.
    static func record(_ hits: [RetroHit], event: @Sendable (RetroHit) -> NewEvent, also: [NewEvent], seen: [RetroHit], _ sql: any SQLDatabase,
                       _ dialect: Dialect) async throws -> [RetroHit] {
        var fresh: [RetroHit] = []
        let now = Date().millisecondsSince1970
        for hit in seen {
            try await sql.raw("""
                INSERT INTO retro_hits (screened_id, entry_id, at) VALUES (\(bind: hit.screened.id), \(bind: hit.entry.id), \(bind: now))
                ON CONFLICT (screened_id, entry_id) DO NOTHING
                """).run()
        }
        for hit in hits {
            let inserted = try await sql.raw("""
                INSERT INTO retro_hits (screened_id, entry_id, at) VALUES (\(bind: hit.screened.id), \(bind: hit.entry.id), \(bind: now))
                ON CONFLICT (screened_id, entry_id) DO NOTHING RETURNING screened_id
                """).first()
            if inserted != nil { fresh.append(hit) }
        }
        // A match found later is a match: counted on its entry with the event.
        var counts: [Int64: EntryMatchCount] = [:]
        for hit in fresh { counts[hit.entry.id, default: EntryMatchCount(matches: 0, last: Date(milliseconds: now))].matches += 1 }
        try await SQLBankStore.addMatches(counts, sql)
        let events = fresh.map(event) + also
        if !events.isEmpty { _ = try await EventSQL.append(events, at: Date(), on: sql, dialect) }
        return fresh
    }

    public func rechecks(limit: Int, now: Date) async throws -> Rechecks {
        try await database.transaction { sql in
            try await Self.queueEndedSnoozes(now: now, sql)
            let read = try await sql.raw("SELECT entry_id, queued_at FROM retro_rechecks ORDER BY entry_id LIMIT \(bind: limit)").all()
            let ids = try read.map { try $0.decode(column: "entry_id", as: Int64.self) }
            let through = try read.map { try $0.decode(column: "queued_at", as: Int64.self) }.max() ?? 0
            guard !ids.isEmpty else { return Rechecks(ids: [], entries: [], queuedThrough: 0) }
            let rows = try await sql.raw("""
                SELECT e.id, e.pdq, e.md5, e.sha256, b.name, b.kind, b.pdq_threshold FROM bank_entries e JOIN banks b ON b.id = e.bank_id
                WHERE e.id IN (\(unsafeRaw: SQLCaseStore.idList(ids))) AND b.kind = 'match' ORDER BY e.id
                """).all()
            return Rechecks(ids: ids, entries: try rows.map(Self.retroEntry), queuedThrough: through)
        }
    }

    public func recorded(_ pairs: [(screened: Int64, entry: Int64)]) async throws -> Set<[Int64]> {
        guard !pairs.isEmpty else { return [] }
        let wanted = Set(pairs.map { [$0.screened, $0.entry] })
        return try await database.run { sql in
            var found: Set<[Int64]> = []
            let screened = Array(Set(pairs.map(\.screened))).sorted()
            for start in stride(from: 0, to: screened.count, by: 500) {
                let list = SQLCaseStore.idList(Array(screened[start..<min(start + 500, screened.count)]))
                for row in try await sql.raw("SELECT screened_id, entry_id FROM retro_hits WHERE screened_id IN (\(unsafeRaw: list))").all() {
                    let pair = [try row.decode(column: "screened_id", as: Int64.self), try row.decode(column: "entry_id", as: Int64.self)]
                    if wanted.contains(pair) { found.insert(pair) }
                }
            }
            return found
        }
    }

    public func hasRechecks(now: Date) async throws -> Bool {
        try await database.run { sql in
            if try await sql.raw("SELECT entry_id FROM retro_rechecks LIMIT 1").first() != nil { return true }
            let since = try await Self.snoozeCursor(sql)
            return try await sql.raw("""
                SELECT id FROM bank_entries WHERE disabled_until > \(bind: since) AND disabled_until <= \(bind: now.millisecondsSince1970) LIMIT 1
                """).first() != nil
        }
    }

    /// Snoozes that ended since the last look are rechecks (the quarantine's sentinel never ends).
    static func queueEndedSnoozes(now: Date, _ sql: any SQLDatabase) async throws {
        let since = try await snoozeCursor(sql), ms = now.millisecondsSince1970
        guard ms > since else { return }
        try await sql.raw("""
            INSERT INTO retro_rechecks (entry_id, queued_at)
            SELECT id, \(bind: ms) FROM bank_entries WHERE disabled_until > \(bind: since) AND disabled_until <= \(bind: ms)
            ON CONFLICT (entry_id) DO UPDATE SET queued_at = excluded.queued_at
            """).run()
        try await sql.raw("""
            INSERT INTO retro_cursor (name, entry_id) VALUES ('snoozes', \(bind: ms))
            ON CONFLICT (name) DO UPDATE SET entry_id = excluded.entry_id
            """).run()
    }

    /// Until when ended snoozes were queued (migration 22 starts it at its own time).
    static func snoozeCursor(_ sql: any SQLDatabase) async throws -> Int64 {
        guard let row = try await sql.raw("SELECT entry_id FROM retro_cursor WHERE name = 'snoozes'").first() else {
            throw StorageError.corruptRow("the retroactive check has no cursor for ended snoozes (migration 22 writes it)")
        }
        return try row.decode(column: "entry_id", as: Int64.self)
    }

    static func retroEntry(_ row: any SQLRow) throws -> RetroEntry {
        RetroEntry(id: try row.decode(column: "id", as: Int64.self), bank: try row.decode(column: "name", as: String.self),
                   pdq: try SQLBankStore.pdq(try row.decode(column: "pdq", as: Data?.self)), md5: try row.decode(column: "md5", as: String?.self),
                   sha256: try row.decode(column: "sha256", as: String?.self), threshold: try row.decode(column: "pdq_threshold", as: Int.self))
    }

    static func signal(_ row: any SQLRow) throws -> ScreenedSignal {
        ScreenedSignal(id: try row.decode(column: "id", as: Int64.self), at: Date(milliseconds: try row.decode(column: "at", as: Int64.self)),
                       lookupID: try row.decode(column: "lookup_id", as: String.self), api: try row.decode(column: "api", as: String.self),
                       caller: try row.decode(column: "caller", as: String?.self), accountReference: try row.decode(column: "account_ref", as: String?.self),
                       runID: try row.decode(column: "run_id", as: Int64?.self), pdq: try SQLBankStore.pdq(try row.decode(column: "pdq", as: Data?.self)),
                       pdqQuality: try row.decode(column: "pdq_quality", as: Int?.self), md5: try row.decode(column: "md5", as: String?.self),
                       sha256: try row.decode(column: "sha256", as: String?.self),
                       matchedEntries: try row.decode(column: "matched_entries", as: String.self).split(separator: ",").map { text in
                           guard let id = Int64(text) else { throw StorageError.corruptRow("a screened signal's matched entry \(text)") }
                           return id
                       })
    }
}
