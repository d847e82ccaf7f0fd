public import Foundation
public import Banks
public import Jobs
import SQLKit

/// `BankSourceStore` on SQLKit.
public struct SQLBankSourceStore: BankSourceStore {
    public let database: VigilDatabase

    public init(database: VigilDatabase) {
        self.database = database
    }

    static let columns = "bank_id, kind, credential_id, enabled, interval_seconds, checkpoint, options, send_feedback, next_run_at, last_run_at, last_outcome"

    public func source(bankID: Int64) async throws -> BankSource? {
        try await database.run { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM bank_sources WHERE bank_id = \(bind: bankID)").first().map(Self.source)
        }
    }

    public func sources() async throws -> [BankSource] {
        try await database.run { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM bank_sources ORDER BY bank_id").all().map(Self.source)
        }
    }

    public func save(_ source: BankSource) async throws {
        try await database.transaction { sql in
            let existing = try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM bank_sources WHERE bank_id = \(bind: source.bankID)")
                .first().map(Self.source)
            // Another list or another account starts from the beginning; the same one goes on.
            let sameList = existing.map { $0.kind == source.kind && $0.credentialID == source.credentialID } ?? false
            let sameRemote = existing?.options["bank"] == source.options["bank"]
            let checkpoint = sameList && sameRemote ? existing?.checkpoint : source.checkpoint
            let options = try JSONCoding.encode(source.options)
            try await sql.raw("DELETE FROM bank_sources WHERE bank_id = \(bind: source.bankID)").run()
            try await sql.raw("""
                INSERT INTO bank_sources (bank_id, kind, credential_id, enabled, interval_seconds, checkpoint, options, send_feedback, next_run_at, last_run_at, last_outcome)
                VALUES (\(bind: source.bankID), \(bind: source.kind.rawValue), \(bind: source.credentialID), \(bind: source.enabled), \(bind: Int64(source.interval)),
                        \(bind: checkpoint), \(bind: options), \(bind: source.sendsFeedback), \(bind: source.nextRunAt.millisecondsSince1970),
                        \(bind: (sameList ? existing?.lastRunAt : nil)?.millisecondsSince1970), \(bind: sameList ? existing?.lastOutcome : nil))
                """).run()
        }
    }

    public func remove(bankID: Int64) async throws -> Bool {
        try await database.transaction { sql in
            let found = try await sql.raw("SELECT bank_id FROM bank_sources WHERE bank_id = \(bind: bankID)").first() != nil
            try await sql.raw("DELETE FROM bank_sources WHERE bank_id = \(bind: bankID)").run()
            return found
        }
    }

    public func setEnabled(bankID: Int64, _ enabled: Bool) async throws -> Bool {
        try await database.transaction { sql in
            let found = try await sql.raw("SELECT bank_id FROM bank_sources WHERE bank_id = \(bind: bankID)").first() != nil
            try await sql.raw("UPDATE bank_sources SET enabled = \(bind: enabled) WHERE bank_id = \(bind: bankID)").run()
            return found
        }
    }

    public func claimDue(at now: Date) async throws -> [BankSource] {
        let ms = now.millisecondsSince1970
        return try await database.transaction { sql in
            // One UPDATE … RETURNING: a row is moved on by exactly one claimer.
            try await sql.raw("""
                UPDATE bank_sources SET next_run_at = \(bind: ms) + interval_seconds * 1000
                WHERE enabled AND next_run_at <= \(bind: ms) AND bank_id NOT IN (SELECT id FROM banks WHERE deleting)
                RETURNING \(unsafeRaw: Self.columns)
                """).all().map(Self.source)
        }
    }

    public func recordRun(bankID: Int64, at time: Date, checkpoint: String?, outcome: String, fence: JobLease?) async throws {
        let dialect = database.dialect
        try await database.transaction { sql in
            try await SQLJobStore.fence(fence, sql, dialect)
            if let checkpoint {
                try await sql.raw("""
                    UPDATE bank_sources SET last_run_at = \(bind: time.millisecondsSince1970), last_outcome = \(bind: outcome),
                        checkpoint = \(bind: checkpoint) WHERE bank_id = \(bind: bankID)
                    """).run()
            } else {
                try await sql.raw("""
                    UPDATE bank_sources SET last_run_at = \(bind: time.millisecondsSince1970), last_outcome = \(bind: outcome)
                    WHERE bank_id = \(bind: bankID)
                    """).run()
            }
        }
    }

    static func source(_ row: any SQLRow) throws -> BankSource {
        func date(_ column: String) throws -> Date? {
            try row.decodeNil(column: column) ? nil : Date(milliseconds: try row.decode(column: column, as: Int64.self))
        }
        let kindText = try row.decode(column: "kind", as: String.self)
        guard let kind = BankSource.Kind(rawValue: kindText) else { throw StoredValueProblem("bank_sources.kind \"\(kindText)\"") }
        return BankSource(bankID: try row.decode(column: "bank_id", as: Int64.self), kind: kind,
                          credentialID: try row.decode(column: "credential_id", as: String.self),
                          enabled: try row.decode(column: "enabled", as: Bool.self),
                          interval: TimeInterval(try row.decode(column: "interval_seconds", as: Int64.self)),
                          checkpoint: try row.decodeNil(column: "checkpoint") ? nil : try row.decode(column: "checkpoint", as: String.self),
                          options: try JSONCoding.decode([String: String].self, try row.decode(column: "options", as: String.self), "a bank source's options"),
                          sendsFeedback: try row.decode(column: "send_feedback", as: Bool.self),
                          nextRunAt: try date("next_run_at") ?? Date(),
                          lastRunAt: try date("last_run_at"),
                          lastOutcome: try row.decodeNil(column: "last_outcome") ? nil : try row.decode(column: "last_outcome", as: String.self))
    }
}

/// A stored value this version cannot read (written by a newer one, or by hand).
struct StoredValueProblem: Error, CustomStringConvertible {
    let what: String
    init(_ what: String) { self.what = what }
    var description: String { "unreadable stored value: \(what)" }
}
