import Banks
import Foundation
import PDQ
import NIOCore
import PostgresKit
import SQLiteKit

/// Reads index rows with each driver's own row API: SQLKit's generic decoding costs several
/// microseconds a row, too slow for loading ten million hashes at start.
enum IndexRowReader {
    static let query = "SELECT id, bank_id, pdq, md5, sha256, disabled_until FROM bank_entries"

    static func chunk(_ database: VigilDatabase, after: Int64, limit: Int) async throws -> [IndexRow] {
        try await database.withBackend { backend in
            switch backend {
            case let .sqlite(connection):
                let collector = RowCollector()
                try await connection.query("\(query) WHERE id > ? ORDER BY id LIMIT ?", [.integer(Int(after)), .integer(limit)]) { row in
                    collector.append(row)
                }
                return try collector.finish()
            case let .postgres(connection):
                let rows = try await connection.query(
                    "\(unescaped: query) WHERE id > \(after) ORDER BY id LIMIT \(limit)", logger: connection.logger)
                var out: [IndexRow] = []
                out.reserveCapacity(limit)
                for try await (id, bank, pdq, md5, sha, until) in rows.decode((Int64, Int64, ByteBuffer?, String?, String?, Int64?).self) {
                    out.append(IndexRow(entryID: id, bankID: bank, pdq: try pdq.map(hash), md5: md5, sha256: sha,
                                        disabledUntil: until.map(Date.init(milliseconds:))))
                }
                return out
            }
        }
    }

    static func hash(_ buffer: ByteBuffer) throws -> PDQHash {
        guard buffer.readableBytes == 32 else { throw StorageError.corruptRow("pdq is \(buffer.readableBytes) bytes") }
        return buffer.withUnsafeReadableBytes { PDQBytes.hash($0) }
    }

    /// Collects rows handed over on SQLite's thread pool.
    final class RowCollector: @unchecked Sendable {
        private var rows: [IndexRow] = []
        private var failure: (any Error)?

        func append(_ row: SQLiteRow) {
            do {
                guard let id = row.column("id")?.integer, let bank = row.column("bank_id")?.integer else {
                    throw StorageError.corruptRow("entry without id or bank")
                }
                var pdq: PDQHash?
                if case let .blob(buffer)? = row.column("pdq") { pdq = try IndexRowReader.hash(buffer) }
                rows.append(IndexRow(
                    entryID: Int64(id), bankID: Int64(bank), pdq: pdq,
                    md5: row.column("md5")?.string, sha256: row.column("sha256")?.string,
                    disabledUntil: row.column("disabled_until")?.integer.map { Date(milliseconds: Int64($0)) }))
            } catch {
                failure = failure ?? error
            }
        }

        func finish() throws -> [IndexRow] {
            if let failure { throw failure }
            return rows
        }
    }
}
