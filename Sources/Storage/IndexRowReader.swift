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
                return try await postgresChunk(connection, after: after, through: .max, limit: limit)
            }
        }
    }

    /// Rows with `after < id <= through`, in id order.
    static func postgresChunk(_ connection: PostgresConnection, after: Int64, through: Int64, limit: Int) async throws -> [IndexRow] {
        let rows = try await connection.query(
            "\(unescaped: query) WHERE id > \(after) AND id <= \(through) ORDER BY id LIMIT \(limit)", logger: connection.logger)
        var out: [IndexRow] = []
        out.reserveCapacity(limit)
        for try await (id, bank, pdq, md5, sha, until) in rows.decode((Int64, Int64, ByteBuffer?, String?, String?, Int64?).self) {
            out.append(IndexRow(entryID: id, bankID: bank, pdq: try pdq.map(hash), md5: md5, sha256: sha,
                                disabledUntil: until.map(Date.init(milliseconds:))))
        }
        return out
    }

    /// PostgreSQL: the id range split in two, each half read on its own connection so that both
    /// cores decode rows; chunks reach `body` one at a time.
    static func postgresParallel(
        _ database: VigilDatabase, chunkSize: Int, _ body: @Sendable ([IndexRow]) async throws -> Void
    ) async throws {
        let maxID = try await database.run { sql in
            try await sql.raw("SELECT COALESCE(MAX(id), 0) AS m FROM bank_entries").first()?.decode(column: "m", as: Int64.self) ?? 0
        }
        let middle = maxID / 2
        let ranges: [(Int64, Int64)] = [(0, middle), (middle, maxID)]
        let (chunks, continuation) = AsyncThrowingStream<[IndexRow], any Error>.makeStream()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await withThrowingTaskGroup(of: Void.self) { readers in
                        for (low, high) in ranges {
                            readers.addTask {
                                _ = try await database.withExtraPostgresConnection { connection in
                                    var after = low
                                    while true {
                                        let chunk = try await postgresChunk(connection, after: after, through: high, limit: chunkSize)
                                        guard let last = chunk.last else { return }
                                        continuation.yield(chunk)
                                        after = last.entryID
                                    }
                                }
                            }
                        }
                        try await readers.waitForAll()
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            for try await chunk in chunks { try await body(chunk) }
            try await group.waitForAll()
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
