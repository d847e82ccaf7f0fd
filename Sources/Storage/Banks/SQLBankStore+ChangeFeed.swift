public import Banks
import Foundation
import PDQ
import SQLKit

/// The change log read back for a follower, each row resolved against the rows as they are now.
extension SQLBankStore {
    public func latestSequence() async throws -> Int64 {
        try await database.run { sql in
            try await sql.raw("SELECT COALESCE(MAX(seq), 0) AS s FROM bank_changes").first()?.decode(column: "s", as: Int64.self) ?? 0
        }
    }

    public func changes(after sequence: Int64, limit: Int) async throws -> [BankChange] {
        let rows = try await database.run { sql in
            try await sql.raw("""
                SELECT seq, op, bank_id, entry_id, entry_runs, pdq, md5, sha256, at FROM bank_changes
                WHERE seq > \(bind: sequence) ORDER BY seq LIMIT \(bind: limit)
                """).all().map(LogRow.init)
        }
        guard !rows.isEmpty else { return [] }

        let bankIDs = Set(rows.filter { $0.op == .bankCreated || $0.op == .bankUpdated }.map(\.bankID))
        let banks = try await banks(ids: bankIDs)
        var runs: [(row: Int, ranges: [ClosedRange<Int64>])] = []
        for (i, row) in rows.enumerated() where row.op == .entriesAdded {
            runs.append((i, try EntryRuns.decode(row.entryRuns ?? "")))
        }
        let snoozed = rows.filter { $0.op == .entrySnoozed }.compactMap(\.entryID)
        var present: [Int64: IndexRow] = [:]
        // One query per added batch, over the span of its runs: writers hold the change-log lock
        // while they insert, so no other batch's ids fall inside the span (PostgreSQL leaves gaps
        // where duplicates consumed sequence values; those ids were never rows).
        for run in runs {
            guard let low = run.ranges.first?.lowerBound, let high = run.ranges.last?.upperBound else { continue }
            for row in try await IndexRowReader.rows(database, idsIn: low...high) { present[row.entryID] = row }
        }
        for row in try await IndexRowReader.rows(database, ids: snoozed) { present[row.entryID] = row }

        var runsByRow: [Int: [ClosedRange<Int64>]] = [:]
        for run in runs { runsByRow[run.row] = run.ranges }
        return try rows.enumerated().map { i, row in
            let kind: BankChange.Kind
            switch row.op {
            case .bankCreated, .bankUpdated:
                kind = .bankChanged(bankID: row.bankID, current: banks[row.bankID])
            case .bankDeleted:
                kind = .bankDeleted(bankID: row.bankID)
            case .entriesAdded:
                var found: [IndexRow] = [], missing: [Int64] = []
                for range in runsByRow[i] ?? [] {
                    for id in range { if let entry = present[id] { found.append(entry) } else { missing.append(id) } }
                }
                kind = .entriesAdded(present: found, missing: missing)
            case .entryRemoved:
                guard let entryID = row.entryID else { throw StorageError.corruptRow("removal \(row.sequence) names no entry") }
                kind = .entryRemoved(IndexRow(entryID: entryID, bankID: row.bankID, pdq: row.pdq, md5: row.md5, sha256: row.sha256,
                                              disabledUntil: nil))
            case .entrySnoozed:
                guard let entryID = row.entryID else { throw StorageError.corruptRow("snooze \(row.sequence) names no entry") }
                kind = .entrySnoozed(entryID: entryID, current: present[entryID])
            case .entryUpdated:
                kind = .entryUpdated(entryID: row.entryID ?? 0)
            }
            return BankChange(sequence: row.sequence, kind: kind, at: Date(milliseconds: row.at))
        }
    }

    func banks(ids: Set<Int64>) async throws -> [Int64: Bank] {
        guard !ids.isEmpty else { return [:] }
        let list = IDList.sql(ids)
        let banks = try await database.run { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.bankColumns) FROM banks WHERE id IN (\(unsafeRaw: list))").all().map(Self.bank)
        }
        return Dictionary(uniqueKeysWithValues: banks.map { ($0.id, $0) })
    }

    /// One `bank_changes` row as stored.
    struct LogRow {
        let sequence: Int64
        let op: ChangeLogSQL.Operation
        let bankID: Int64
        let entryID: Int64?
        let entryRuns: String?
        let pdq: PDQHash?
        let md5: String?
        let sha256: String?
        let at: Int64


        init(_ row: any SQLRow) throws {
            sequence = try row.decode(column: "seq", as: Int64.self)
            let text = try row.decode(column: "op", as: String.self)
            guard let op = ChangeLogSQL.Operation(rawValue: text) else {
                throw StorageError.corruptRow("change \(sequence) has an unknown operation \"\(text.prefix(40))\"")
            }
            self.op = op
            bankID = try row.decode(column: "bank_id", as: Int64.self)
            entryID = try row.decode(column: "entry_id", as: Int64?.self)
            entryRuns = try row.decode(column: "entry_runs", as: String?.self)
            pdq = try SQLBankStore.pdq(try row.decode(column: "pdq", as: Data?.self))
            md5 = try row.decode(column: "md5", as: String?.self)
            sha256 = try row.decode(column: "sha256", as: String?.self)
            at = try row.decode(column: "at", as: Int64.self)
        }
    }
}
