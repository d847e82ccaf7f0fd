import Banks
import NIOCore
import PDQ
import SQLiteKit

/// SQLite's side of `EntryInserter`: multi-row `INSERT … VALUES` statements whose values are all
/// bound, each column either once for the whole statement (an import's bank, adder and time) or
/// once a row (its hashes). Literals in the text cost SQLite a parse a row: a hash written as
/// `X'…'` cost more than its insert (measured: 1M PDQ rows took 2.5-4× as long as bound).
///
/// Without `returningRows`, nothing comes back a row (SQLiteNIO hands each returned row to the
/// event loop as its own future): the ids written are read after, as runs, and checked against
/// the number of rows SQLite says it inserted (`idsAdded`).
enum SQLiteEntryInsert {
    /// At most this many rows a statement: 10 binds a row stay under SQLite's default limit (32 766).
    static let rowsPerStatement = 1000

    /// The columns in `EntryInserter.columns`' order.
    enum Column: Int, CaseIterable {
        case bankID, pdq, pdqQuality, md5, sha256, externalID, metadata, addedBy, addedAt, disabledUntil

        func same(_ a: EntryBinds, _ b: EntryBinds) -> Bool {
            switch self {
            case .bankID: a.bankID == b.bankID
            case .pdq: a.pdq == b.pdq
            case .pdqQuality: a.pdqQuality == b.pdqQuality
            case .md5: a.md5 == b.md5
            case .sha256: a.sha256 == b.sha256
            case .externalID: a.externalID == b.externalID
            case .metadata: a.metadata == b.metadata
            case .addedBy: a.addedBy == b.addedBy
            case .addedAt: a.addedAt == b.addedAt
            case .disabledUntil: a.disabledUntil == b.disabledUntil
            }
        }

        /// The row's value; its PDQ hash is given as bytes (a slice of one buffer for the statement).
        func value(_ row: EntryBinds, pdqBytes: @autoclosure () throws -> ByteBuffer) rethrows -> SQLiteData {
            switch self {
            case .bankID: .integer(Int(row.bankID))
            case .pdq: row.pdq == nil ? .null : .blob(try pdqBytes())
            case .pdqQuality: row.pdqQuality.map { .integer($0) } ?? .null
            case .md5: row.md5.map { .text($0) } ?? .null
            case .sha256: row.sha256.map { .text($0) } ?? .null
            case .externalID: row.externalID.map { .text($0) } ?? .null
            case .metadata: .text(row.metadata)
            case .addedBy: .text(row.addedBy)
            case .addedAt: .integer(Int(row.addedAt))
            case .disabledUntil: row.disabledUntil.map { .integer(Int($0)) } ?? .null
            }
        }
    }

    /// Which columns vary within a statement's rows, and how many rows: what its text depends on.
    struct Shape: Hashable {
        var perRow: [Bool]
        var rows: Int
        var returning: String?
    }

    static func shape(_ rows: ArraySlice<EntryBinds>, returning: String?) -> Shape {
        let first = rows[rows.startIndex]
        let perRow = Column.allCases.map { column in rows.contains { !column.same($0, first) } }
        return Shape(perRow: perRow, rows: rows.count, returning: returning)
    }

    /// `INSERT … VALUES (?1, ?3, …), …`: the columns bound once are numbered first, in column order,
    /// then each row's in turn.
    static func text(_ shape: Shape) -> String {
        let shared = Column.allCases.filter { !shape.perRow[$0.rawValue] }
        let varying = Column.allCases.filter { shape.perRow[$0.rawValue] }
        var number: [Int] = Array(repeating: 0, count: Column.allCases.count)
        for (i, column) in shared.enumerated() { number[column.rawValue] = i + 1 }
        var text = "INSERT INTO bank_entries (\(EntryInserter.columns)) VALUES "
        text.reserveCapacity(text.utf8.count + shape.rows * (2 + Column.allCases.count * 8))
        for row in 0..<shape.rows {
            for (j, column) in varying.enumerated() { number[column.rawValue] = shared.count + row * varying.count + j + 1 }
            text += row == 0 ? "(" : ", ("
            for column in Column.allCases {
                if column.rawValue > 0 { text += ", " }
                text += "?"
                text += String(number[column.rawValue])
            }
            text += ")"
        }
        text += " ON CONFLICT DO NOTHING"
        if let returning = shape.returning { text += " RETURNING " + returning }
        return text
    }

    static func binds(_ rows: ArraySlice<EntryBinds>, _ shape: Shape) throws -> [SQLiteData] {
        // Every hash written first, then sliced: a slice taken before a write would make the
        // write copy the buffer.
        var hashes = ByteBufferAllocator().buffer(capacity: 32 * rows.count)
        for row in rows { PDQBytes.write(row.pdq ?? .zero, to: &hashes) }
        func pdqBytes(_ index: Int) throws -> ByteBuffer {
            guard let bytes = hashes.getSlice(at: 32 * index, length: 32) else {
                throw StorageError.corruptRow("PDQ hash \(index) of a statement's \(rows.count) is missing")
            }
            return bytes
        }
        var binds: [SQLiteData] = []
        binds.reserveCapacity(Column.allCases.count + rows.count * shape.perRow.count { $0 })
        let first = rows[rows.startIndex]
        for column in Column.allCases where !shape.perRow[column.rawValue] {
            binds.append(try column.value(first, pdqBytes: try pdqBytes(0)))
        }
        let varying = Column.allCases.filter { shape.perRow[$0.rawValue] }
        for (index, row) in rows.enumerated() {
            for column in varying { binds.append(try column.value(row, pdqBytes: try pdqBytes(index))) }
        }
        return binds
    }

    /// Writes `rows` in statements of `rowsPerStatement`, the next one's binds made while SQLite
    /// runs this one; answers the ids written (and their index rows, with `returningRows`).
    static func insert(_ rows: EntryRows, sqlite: SQLiteConnection,
                       returningRows: Bool) async throws -> (ids: [Int64], rows: [IndexRow]) {
        let before = returningRows ? nil : try await mark(sqlite)
        var ids: [Int64] = []
        var inserted: [IndexRow] = []
        var texts: [Shape: String] = [:]
        var running: Task<[SQLiteRow], any Error>?
        func collect(_ task: Task<[SQLiteRow], any Error>) async throws {
            let result = try await task.value
            guard returningRows else { return }
            let returned = try result.map(IndexRowReader.indexRow)
            inserted += returned
            ids += returned.map(\.entryID)
        }
        do {
            for start in stride(from: 0, to: rows.count, by: rowsPerStatement) {
                let chunk = try rows.slice(start..<min(start + rowsPerStatement, rows.count))
                let shape = shape(chunk, returning: returningRows ? EntryInserter.returning : nil)
                let text = texts[shape] ?? text(shape)
                // Full statements share a few shapes; a short last one is made once.
                if chunk.count == rowsPerStatement { texts[shape] = text }
                let binds = try binds(chunk, shape)
                if let previous = running {
                    running = nil
                    try await collect(previous)
                }
                running = Task { try await sqlite.query(text, binds) }
            }
            if let last = running {
                running = nil
                try await collect(last)
            }
        } catch {
            // The caller rolls back; it must not do so while a statement is still running.
            _ = try? await running?.value
            throw error
        }
        guard let before else { return (ids, inserted) }
        return (try await idsAdded(since: before, sqlite), [])
    }

    /// What the table held before an insert: its highest id and the connection's count of rows
    /// changed so far.
    struct Mark {
        let highestID: Int64
        let changes: Int
    }

    /// Every writer holds the write lock for its whole transaction and the table's ids only grow
    /// (AUTOINCREMENT), so each id written after the mark is above its highest id and each id above
    /// it was written after.
    static func mark(_ sqlite: SQLiteConnection) async throws -> Mark {
        let rows = try await sqlite.query("SELECT coalesce(max(id), 0) AS id, total_changes() AS changes FROM bank_entries", [])
        guard let row = rows.first, let id = row.column("id")?.integer, let changes = row.column("changes")?.integer else {
            throw StorageError.corruptRow("the highest entry id returned no row")
        }
        return Mark(highestID: Int64(id), changes: changes)
    }

    /// The ids written since `mark`, in order: one run when they have no gaps (an insert that
    /// skipped nothing), otherwise read as runs (`id − row_number()` is the same along a run).
    /// Their number must be the rows the connection inserted since: anything else (a row above
    /// the mark this insert did not write) is an error, not a wrong change-log entry.
    static func idsAdded(since mark: Mark, _ sqlite: SQLiteConnection) async throws -> [Int64] {
        let summary = try await sqlite.query("""
            SELECT min(id) AS low, max(id) AS high, total_changes() AS changes FROM bank_entries WHERE id > ?1
            """, [.integer(Int(mark.highestID))])
        guard let row = summary.first, let changes = row.column("changes")?.integer else {
            throw StorageError.corruptRow("the entries written returned no summary")
        }
        let count = changes - mark.changes
        guard let low = row.column("low")?.integer, let high = row.column("high")?.integer else {
            guard count == 0 else { throw StorageError.corruptRow("\(count) entries were written but none is above id \(mark.highestID)") }
            return []
        }
        if high - low + 1 == count { return Array(Int64(low)...Int64(high)) }
        var ids: [Int64] = []
        ids.reserveCapacity(max(count, 0))
        for run in try await sqlite.query("""
            SELECT min(id) AS low, max(id) AS high FROM (
                SELECT id, id - row_number() OVER (ORDER BY id) AS run FROM bank_entries WHERE id > ?1
            ) GROUP BY run ORDER BY low
            """, [.integer(Int(mark.highestID))]) {
            guard let low = run.column("low")?.integer, let high = run.column("high")?.integer, low <= high else {
                throw StorageError.corruptRow("a run of the entries written has no bounds")
            }
            ids += Int64(low)...Int64(high)
        }
        guard ids.count == count else {
            throw StorageError.corruptRow("\(ids.count) entries are above id \(mark.highestID), but \(count) were written")
        }
        return ids
    }
}
