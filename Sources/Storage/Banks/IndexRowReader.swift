import Banks
import Foundation
import Logging
import SQLKit
import PDQ
import NIOCore
import PostgresKit
import SQLiteKit

/// Reads index rows with each driver's own row API: SQLKit's generic decoding costs several
/// microseconds a row, too slow for loading ten million hashes at start.
enum IndexRowReader {
    static let query = "SELECT id, bank_id, pdq, md5, sha256, disabled_until FROM bank_entries"

    /// Reads every bank and entry in one snapshot of the database, and the change-log sequence of
    /// that snapshot, on connections of their own (in WAL mode and under MVCC a reader holds its
    /// snapshot without blocking writers), so a follower can resume at exactly that sequence.
    static func consistentLoad(
        _ database: VigilDatabase, chunkSize: Int, _ body: @Sendable ([IndexRow]) async throws -> Void
    ) async throws -> IndexSnapshot {
        switch database.location {
        case let .sqlite(path):
            return try await sqliteLoad(path: path, chunkSize: chunkSize, body)
        case .postgres:
            return try await postgresParallel(database, chunkSize: chunkSize, body)
        }
    }

    static func sqliteLoad(path: String, chunkSize: Int, _ body: @Sendable ([IndexRow]) async throws -> Void) async throws -> IndexSnapshot {
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: Logger(label: "vigil.storage.load"))
        do {
            _ = try await connection.query("PRAGMA busy_timeout = 10000", [])
            _ = try await connection.query("BEGIN", [])
            let sequence = try await connection.query("SELECT COALESCE(MAX(seq), 0) AS s FROM bank_changes", [])
                .first?.column("s")?.integer ?? 0
            let banks = try await connection.sql(queryLogLevel: nil).raw("SELECT \(unsafeRaw: SQLBankStore.bankColumns) FROM banks").all().map(SQLBankStore.bank)
            var after: Int64 = 0
            while true {
                let chunk = try await sqliteRows(connection, "WHERE id > ? ORDER BY id LIMIT ?", [.integer(Int(after)), .integer(chunkSize)])
                guard let last = chunk.last else { break }
                try await body(chunk)
                after = last.entryID
            }
            _ = try await connection.query("COMMIT", [])
            try await connection.close()
            return IndexSnapshot(sequence: Int64(sequence), banks: banks)
        } catch {
            try? await connection.close()
            throw error
        }
    }

    static func sqliteRows(_ connection: SQLiteConnection, _ condition: String, _ binds: [SQLiteData]) async throws -> [IndexRow] {
        let collector = RowCollector()
        try await connection.query("\(query) \(condition)", binds) { row in collector.append(row) }
        return try collector.finish()
    }

    /// Entries with ids in `range`, on the shared connection (a follower reading an added batch).
    static func rows(_ database: VigilDatabase, idsIn range: ClosedRange<Int64>) async throws -> [IndexRow] {
        try await database.withConnection { backend in
            switch backend {
            case let .sqlite(connection):
                return try await sqliteRows(connection, "WHERE id >= ? AND id <= ? ORDER BY id",
                                            [.integer(Int(range.lowerBound)), .integer(Int(range.upperBound))])
            case let .postgres(connection):
                return try await postgresChunk(connection, after: range.lowerBound - 1, through: range.upperBound,
                                               limit: Int(range.upperBound - range.lowerBound + 1))
            }
        }
    }

    /// Entries with these ids (a follower reading snoozed entries).
    static func rows(_ database: VigilDatabase, ids: [Int64]) async throws -> [IndexRow] {
        guard !ids.isEmpty else { return [] }
        let list = IDList.sql(ids)
        return try await database.withConnection { backend in
            switch backend {
            case let .sqlite(connection):
                return try await sqliteRows(connection, "WHERE id IN (\(list))", [])
            case let .postgres(connection):
                return try await postgresRows(connection, "\(query) WHERE id IN (\(list))", expected: ids.count)
            }
        }
    }

    /// Rows with `after < id <= through`, in id order.
    static func postgresChunk(_ connection: PostgresConnection, after: Int64, through: Int64, limit: Int) async throws -> [IndexRow] {
        let rows = try await connection.query(
            "\(unescaped: query) WHERE id > \(after) AND id <= \(through) ORDER BY id LIMIT \(limit)", logger: connection.logger)
        return try await decode(rows, expected: limit)
    }

    static func postgresRows(_ connection: PostgresConnection, _ text: String, expected: Int) async throws -> [IndexRow] {
        try await decode(try await connection.query(PostgresQuery(unsafeSQL: text), logger: connection.logger), expected: expected)
    }

    static func decode(_ rows: PostgresRowSequence, expected: Int) async throws -> [IndexRow] {
        var out: [IndexRow] = []
        out.reserveCapacity(min(expected, 100_000))
        for try await (id, bank, pdq, md5, sha, until) in rows.decode((Int64, Int64, ByteBuffer?, String?, String?, Int64?).self) {
            out.append(IndexRow(entryID: id, bankID: bank, pdq: try pdq.map(hash), md5: md5, sha256: sha,
                                disabledUntil: until.map(Date.init(milliseconds:))))
        }
        return out
    }

    /// PostgreSQL: the id range split in two, each half read on its own connection so that both
    /// cores decode rows; chunks reach `body` one at a time. Both connections read one snapshot:
    /// the first exports it, the second imports it.
    static func postgresParallel(
        _ database: VigilDatabase, chunkSize: Int, _ body: @Sendable ([IndexRow]) async throws -> Void
    ) async throws -> IndexSnapshot {
        try await database.withExtraPostgresConnection(id: 2) { first in
            try await database.withExtraPostgresConnection(id: 3) { second in
                _ = try await first.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: first.logger)
                var snapshotID = "", sequence: Int64 = 0, maxID: Int64 = 0
                let head = try await first.query("""
                    SELECT pg_export_snapshot(), (SELECT COALESCE(MAX(seq), 0) FROM bank_changes)::int8,
                           (SELECT COALESCE(MAX(id), 0) FROM bank_entries)::int8
                    """, logger: first.logger)
                for try await (snapshot, seq, id) in head.decode((String, Int64, Int64).self) {
                    (snapshotID, sequence, maxID) = (snapshot, seq, id)
                }
                guard !snapshotID.isEmpty, snapshotID.allSatisfy({ $0.isHexDigit || $0 == "-" }) else {
                    throw StorageError.corruptRow("PostgreSQL exported snapshot id \"\(snapshotID.prefix(40))\"")
                }
                _ = try await second.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: second.logger)
                _ = try await second.query(PostgresQuery(unsafeSQL: "SET TRANSACTION SNAPSHOT '\(snapshotID)'"), logger: second.logger)
                let banks = try await first.sql(queryLogLevel: nil).raw("SELECT \(unsafeRaw: SQLBankStore.bankColumns) FROM banks").all().map(SQLBankStore.bank)

                let middle = maxID / 2
                let halves: [(PostgresConnection, Int64, Int64)] = [(first, 0, middle), (second, middle, maxID)]
                let (chunks, continuation) = AsyncThrowingStream<[IndexRow], any Error>.makeStream()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        do {
                            try await withThrowingTaskGroup(of: Void.self) { readers in
                                for (connection, low, high) in halves {
                                    readers.addTask {
                                        var after = low
                                        while true {
                                            let chunk = try await postgresChunk(connection, after: after, through: high, limit: chunkSize)
                                            guard let last = chunk.last else { return }
                                            continuation.yield(chunk)
                                            after = last.entryID
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
                _ = try await second.query("COMMIT", logger: second.logger)
                _ = try await first.query("COMMIT", logger: first.logger)
                return IndexSnapshot(sequence: sequence, banks: banks)
            }
        }
    }

    static func hash(_ buffer: ByteBuffer) throws -> PDQHash {
        guard buffer.readableBytes == 32 else { throw StorageError.corruptRow("pdq is \(buffer.readableBytes) bytes") }
        return buffer.withUnsafeReadableBytes { PDQBytes.hash($0) }
    }

    /// An index row from SQLite's own row type (no SQLKit decoding on the hot paths).
    static func indexRow(_ row: SQLiteRow) throws -> IndexRow {
        guard let id = row.column("id")?.integer, let bank = row.column("bank_id")?.integer else {
            throw StorageError.corruptRow("entry without id or bank")
        }
        var pdq: PDQHash?
        if case let .blob(buffer)? = row.column("pdq") { pdq = try hash(buffer) }
        return IndexRow(
            entryID: Int64(id), bankID: Int64(bank), pdq: pdq,
            md5: row.column("md5")?.string, sha256: row.column("sha256")?.string,
            disabledUntil: row.column("disabled_until")?.integer.map { Date(milliseconds: Int64($0)) })
    }

    /// Collects rows handed over on SQLite's thread pool.
    final class RowCollector: @unchecked Sendable {
        private var rows: [IndexRow] = []
        private var failure: (any Error)?

        func append(_ row: SQLiteRow) {
            do {
                rows.append(try IndexRowReader.indexRow(row))
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
