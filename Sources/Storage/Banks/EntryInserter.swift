import Banks
import Foundation
import Logging
import NIOCore
import PDQ
import PostgresKit
import SQLKit
import SQLiteKit

/// Writes a batch of new entry rows inside the caller's transaction. A row whose signal the bank
/// already holds is skipped by the unique indexes (`ON CONFLICT DO NOTHING`), so adding a signal
/// twice is a no-op; the answer is the ids written, and their index rows when asked for.
///
/// Rows arrive sorted by PDQ hash (see `SQLBankStore.applyBatch`) and are written in that order.
enum EntryInserter {
    static let columns = "bank_id, pdq, pdq_quality, md5, sha256, external_id, metadata, added_by, added_at, disabled_until"
    static let returning = "id, bank_id, pdq, md5, sha256, disabled_until"

    static func insert(_ rows: EntryRows, on connection: VigilDatabase.Connection,
                       returningRows: Bool) async throws -> (ids: [Int64], rows: [IndexRow]) {
        guard rows.count > 0 else { return ([], []) }
        switch connection {
        case let .sqlite(sqlite): return try await SQLiteEntryInsert.insert(rows, sqlite: sqlite, returningRows: returningRows)
        case let .postgres(postgres):
            return try await copy(rows, postgres: postgres, sql: connection.sql, returningRows: returningRows)
        }
    }

    // MARK: PostgreSQL: new rows COPYed straight in; otherwise staged and inserted ON CONFLICT

    /// Below this many rows a batch goes straight to the staged insert: the bulk path's savepoint
    /// and id reservation only pay off for an import's batches.
    static let bulkMinimumRows = 1000

    private static func copy(_ rows: EntryRows, postgres: PostgresConnection, sql: any SQLDatabase,
                             returningRows: Bool) async throws -> (ids: [Int64], rows: [IndexRow]) {
        if rows.count >= bulkMinimumRows {
            // A signal repeated within the batch is a duplicate whichever path writes it; dropped
            // here, it does not send the whole batch down the slow one.
            let firsts = firstOfEachSignal(rows)
            try await sql.raw("SAVEPOINT vigil_bulk_entries").run()
            do {
                let written = try await bulkCopy(rows, firsts, postgres: postgres, sql: sql, returningRows: returningRows)
                try await sql.raw("RELEASE SAVEPOINT vigil_bulk_entries").run()
                return written
            } catch where UniqueViolation.matches(error) {
                // A signal the bank already holds: this batch is not all new after all.
                try await sql.raw("ROLLBACK TO SAVEPOINT vigil_bulk_entries").run()
            }
        }
        return try await stagedInsert(try rows.all(), postgres: postgres, sql: sql, returningRows: returningRows)
    }

    /// The bulk path, for a batch whose signals the bank does not hold yet (a first import, the
    /// common case): ids reserved from the sequence in one call, then the rows COPYed straight
    /// into `bank_entries`. A row the unique indexes refuse fails the whole COPY with 23505, and
    /// the caller redoes the batch on the staged path, which skips it; so the result is the same
    /// either way, only the cost differs (COPY is a third of the staged insert's).
    ///
    /// The reserved run is contiguous because every writer of `bank_entries` holds the change-log
    /// lock (`ChangeLogSQL.lock`); were it not, two runs would overlap on the primary key, and
    /// that too is a unique violation, not a wrong row.
    ///
    /// `kept` are the rows to write (`firstOfEachSignal`), converted one at a time as COPY takes
    /// them: an import's million rows are not converted before the first is sent.
    private static func bulkCopy(_ rows: EntryRows, _ kept: [Int], postgres: PostgresConnection, sql: any SQLDatabase,
                                 returningRows: Bool) async throws -> (ids: [Int64], rows: [IndexRow]) {
        guard let reserved = try await sql.raw("""
            SELECT setval(pg_get_serial_sequence('bank_entries', 'id'),
                          nextval(pg_get_serial_sequence('bank_entries', 'id')) + \(unsafeRaw: String(kept.count - 1))) AS last
            """).first() else { throw StorageError.corruptRow("setval returned no row") }
        let last = try reserved.decode(column: "last", as: Int64.self)
        let ids = Array((last - Int64(kept.count) + 1)...last)
        try await postgres.copyFrom(table: "bank_entries", columns: ["id"] + columns.components(separatedBy: ", "),
                                    logger: Logger(label: "vigil.storage.copy")) { writer in
            try await stream(count: kept.count, to: writer) { index, buffer in
                buffer.writeString(String(ids[index]))
                buffer.writeStaticString("\t")
                appendCopyLine(try rows.binds(at: kept[index]), to: &buffer)
            }
        }
        guard returningRows else { return (ids, []) }
        let written = try zip(ids, kept).map { id, index in
            let row = try rows.binds(at: index)
            return IndexRow(entryID: id, bankID: row.bankID, pdq: row.pdq, md5: row.md5, sha256: row.sha256,
                            disabledUntil: row.disabledUntil.map(Date.init(milliseconds:)))
        }
        return (ids, written)
    }

    /// The staged path: COPY into the session's staging table (no SQL parsed per row), then one
    /// `INSERT … SELECT … ON CONFLICT DO NOTHING`, which skips the signals the bank already holds.
    private static func stagedInsert(_ rows: [EntryBinds], postgres: PostgresConnection, sql: any SQLDatabase,
                                     returningRows: Bool) async throws -> (ids: [Int64], rows: [IndexRow]) {
        try await sql.raw("""
            CREATE TEMPORARY TABLE IF NOT EXISTS vigil_entry_stage (
                bank_id BIGINT, pdq BYTEA, pdq_quality INTEGER, md5 TEXT, sha256 TEXT, external_id TEXT,
                metadata TEXT, added_by TEXT, added_at BIGINT, disabled_until BIGINT
            ) ON COMMIT DELETE ROWS
            """).run()
        try await postgres.copyFrom(table: "vigil_entry_stage", columns: columns.components(separatedBy: ", "),
                                    logger: Logger(label: "vigil.storage.copy")) { writer in
            try await stream(count: rows.count, to: writer) { index, buffer in appendCopyLine(rows[index], to: &buffer) }
        }
        let result = try await sql.raw("""
            INSERT INTO bank_entries (\(unsafeRaw: columns)) SELECT \(unsafeRaw: columns) FROM vigil_entry_stage ORDER BY pdq
            ON CONFLICT DO NOTHING RETURNING \(unsafeRaw: returningRows ? returning : "id")
            """).all()
        // Emptied now, not only at commit: a transaction may insert more than one batch.
        try await sql.raw("TRUNCATE vigil_entry_stage").run()
        if returningRows {
            let returned = try result.map(SQLBankStore.indexRow)
            return (returned.map(\.entryID), returned)
        }
        return (try result.map { try $0.decode(column: "id", as: Int64.self) }, [])
    }

    /// COPY data in 64 KiB writes: `line` writes row `index`.
    private static func stream(count: Int, to writer: PostgresCopyFromWriter,
                               line: (Int, inout ByteBuffer) throws -> Void) async throws {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(1 << 17)
        for index in 0..<count {
            try line(index, &buffer)
            if buffer.readableBytes >= 1 << 16 {
                try await writer.write(buffer)
                buffer.clear()
            }
        }
        if buffer.readableBytes > 0 { try await writer.write(buffer) }
    }

    /// The positions of the rows that do not share a signal with an earlier row: what
    /// `ON CONFLICT DO NOTHING` would keep of the batch in an empty bank, in the same order.
    static func firstOfEachSignal(_ rows: EntryRows) -> [Int] {
        // An import's batch comes sorted by PDQ hash: a repeated hash is then the one just before,
        // and a million-entry set is not needed.
        let sortedByPDQ = !(1..<max(rows.count, 1)).contains { (rows.signals(at: $0).pdq ?? .zero) < (rows.signals(at: $0 - 1).pdq ?? .zero) }
        var pdqs = Set<PDQHash>(minimumCapacity: sortedByPDQ ? 0 : rows.count), md5s = Set<String>(), sha256s = Set<String>()
        var previousPDQ: PDQHash?
        return (0..<rows.count).filter { index in
            let row = rows.signals(at: index)
            if let pdq = row.pdq, sortedByPDQ ? pdq == previousPDQ : pdqs.contains(pdq) { return false }
            if let md5 = row.md5, md5s.contains(md5) { return false }
            if let sha256 = row.sha256, sha256s.contains(sha256) { return false }
            if let pdq = row.pdq {
                if sortedByPDQ { previousPDQ = pdq } else { pdqs.insert(pdq) }
            }
            if let md5 = row.md5 { md5s.insert(md5) }
            if let sha256 = row.sha256 { sha256s.insert(sha256) }
            return true
        }
    }

    /// One row in COPY's text format: tab-separated, `\N` for NULL, backslash escapes in text.
    static func appendCopyLine(_ row: EntryBinds, to buffer: inout ByteBuffer) {
        buffer.writeString(String(row.bankID))
        if let pdq = row.pdq {
            // Straight into the buffer: a batch writes a million of these.
            buffer.writeStaticString("\t\\\\x")
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: PDQHash.hexLength) { raw in
                pdq.writeHex(into: raw.bindMemory(to: UInt8.self))
                return PDQHash.hexLength
            }
        } else {
            buffer.writeStaticString("\t\\N")
        }
        func write(_ field: String?) {
            buffer.writeStaticString("\t")
            if let field { buffer.writeString(field) } else { buffer.writeStaticString("\\N") }
        }
        write(row.pdqQuality.map(String.init))
        write(row.md5)
        write(row.sha256)
        buffer.writeString("\t")
        if let externalID = row.externalID { appendEscaped(externalID, to: &buffer) } else { buffer.writeString("\\N") }
        buffer.writeString("\t")
        appendEscaped(row.metadata, to: &buffer)
        buffer.writeString("\t")
        appendEscaped(row.addedBy, to: &buffer)
        buffer.writeString("\t\(row.addedAt)\t")
        buffer.writeString(row.disabledUntil.map(String.init) ?? "\\N")
        buffer.writeString("\n")
    }

    /// Free text in COPY's text format: backslash, tab, newline and carriage return escaped.
    static func appendEscaped(_ text: String, to buffer: inout ByteBuffer) {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }) else {
            buffer.writeString(text)
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
            case UInt8(ascii: "\t"): buffer.writeStaticString("\\t")
            case UInt8(ascii: "\n"): buffer.writeStaticString("\\n")
            case UInt8(ascii: "\r"): buffer.writeStaticString("\\r")
            default: buffer.writeInteger(byte)
            }
        }
    }
}
