import Banks
import Foundation
import SQLKit

/// The change log in SQL: the `bank_changes` table that every write to banks and entries appends
/// to in its own transaction.
///
/// Sequence order must be commit order, or a follower could read change 105, move past it, and
/// never see 104 committing later. SQLite has one writer, so it is; on PostgreSQL every writing
/// transaction first takes one transaction-scoped advisory lock, so writes to banks serialise
/// (entry ids are then allocated in commit order too, which the `entries_added` runs rely on).
enum ChangeLogSQL {
    /// `pg_advisory_xact_lock` key: "VIGILBK" in ASCII.
    static let lockKey: Int64 = 0x56_4947_494C_424B
    /// The NOTIFY channel that wakes followers on PostgreSQL (delivered at commit).
    static let channel = "vigil_bank_changes"

    enum Operation: String {
        case bankCreated = "bank_created"
        case bankUpdated = "bank_updated"
        case bankDeleted = "bank_deleted"
        case entriesAdded = "entries_added"
        case entryRemoved = "entry_removed"
        case entrySnoozed = "entry_snoozed"
        case entryUpdated = "entry_updated"
    }

    static func lock(_ sql: any SQLDatabase, _ dialect: Dialect) async throws {
        guard dialect == .postgres else { return }
        try await sql.raw("SELECT pg_advisory_xact_lock(\(unsafeRaw: String(lockKey)))").run()
    }

    static func notify(_ sql: any SQLDatabase, _ dialect: Dialect) async throws {
        guard dialect == .postgres else { return }
        try await sql.raw("NOTIFY \(unsafeRaw: channel)").run()
    }

    /// When a change is appended: the wall clock at the statement, not the time its caller began
    /// the write. Followers' lag (`vigil_change_log_lag_seconds`) is measured from it, and a
    /// change cannot be followed before it commits: an import batch's rows added, appended after
    /// its insert, are not behind by the insert's seconds. (A batch's removal rows come before
    /// its insert, so they still count them: a batch that withdraws entries reads later.)
    static func appendedAt() -> Int64 { Date().millisecondsSince1970 }

    static func append(_ sql: any SQLDatabase, _ operation: Operation, bankID: Int64, entryID: Int64? = nil,
                       entryRuns: String? = nil) async throws {
        try await sql.raw("""
            INSERT INTO bank_changes (op, bank_id, entry_id, entry_runs, at)
            VALUES (\(bind: operation.rawValue), \(bind: bankID), \(bind: entryID), \(bind: entryRuns), \(bind: appendedAt()))
            """).run()
    }

    /// Logs the removal of the entries `condition` selects, with the signals they are indexed
    /// under (a follower cannot read them once they are gone). Run before the DELETE.
    static func appendRemovals(_ sql: any SQLDatabase, where condition: SQLQueryString) async throws {
        var query = SQLQueryString("""
            INSERT INTO bank_changes (op, bank_id, entry_id, pdq, md5, sha256, at)
            SELECT 'entry_removed', bank_id, id, pdq, md5, sha256, \(unsafeRaw: String(appendedAt())) FROM bank_entries WHERE
            """)
        query.appendLiteral(" ")
        query.appendInterpolation(condition)
        query.appendLiteral(" ORDER BY id")
        try await sql.raw(query).run()
    }
}

/// Row ids as an SQL list, `3,7,9`: integers only, so they go in as literals and one statement
/// carries any number of them (binds would hit the drivers' limits).
enum IDList {
    static func sql(_ ids: some Sequence<Int64>) -> String {
        Set(ids).map(String.init).joined(separator: ",")
    }
}

/// Sets of entry ids as runs of consecutive ids, "3-7,9-9": an import batch's ids are mostly one
/// run (both databases skip the ids of rows that were duplicates: SQLite's AUTOINCREMENT uses one up
/// for each row `ON CONFLICT DO NOTHING` skips, PostgreSQL's sequence for each on its staged path).
enum EntryRuns {
    static func encode(_ ids: [Int64]) -> String? {
        guard !ids.isEmpty else { return nil }
        let sorted = ids.sorted()
        var runs: [String] = []
        var start = sorted[0], end = sorted[0]
        for id in sorted.dropFirst() {
            if id == end + 1 { end = id; continue }
            runs.append("\(start)-\(end)")
            start = id
            end = id
        }
        runs.append("\(start)-\(end)")
        return runs.joined(separator: ",")
    }

    static func decode(_ text: String) throws -> [ClosedRange<Int64>] {
        try text.split(separator: ",").map { run in
            let bounds = run.split(separator: "-")
            guard bounds.count == 2, let low = Int64(bounds[0]), let high = Int64(bounds[1]), low <= high else {
                throw StorageError.corruptRow("change-log entry run \"\(run.prefix(40))\"")
            }
            return low...high
        }
    }
}
