public import Banks
public import Foundation
public import Jobs
import SQLKit

/// `ListVoteStore` on SQLKit; the votes are written with the decision (`SQLCaseStore`, through
/// `ListVoteSQL.queue`).
public struct SQLListVoteStore: ListVoteStore {
    public let database: VigilDatabase

    public init(database: VigilDatabase) {
        self.database = database
    }

    static let columns = "id, case_id, decision, entry_id, bank_id, external_id, fingerprint, vote, state, attempts, last_error, created_at, sent_at"

    public func votes(caseID: Int64, decision: Int64) async throws -> [ListVote] {
        try await database.run { sql in
            try await sql.raw("""
                SELECT \(unsafeRaw: Self.columns) FROM list_votes WHERE case_id = \(bind: caseID) AND decision = \(bind: decision) ORDER BY id
                """).all().map(Self.vote)
        }
    }

    public func votes(bankID: Int64, limit: Int) async throws -> [ListVote] {
        try await database.run { sql in
            try await sql.raw("""
                SELECT \(unsafeRaw: Self.columns) FROM list_votes WHERE bank_id = \(bind: bankID) ORDER BY id DESC LIMIT \(bind: max(1, min(limit, 1000)))
                """).all().map(Self.vote)
        }
    }

    public func settle(voteID: Int64, state: ListVote.State, error: String?, at time: Date, fence: JobLease) async throws {
        let dialect = database.dialect
        try await database.transaction { sql in
            try await SQLJobStore.fence(fence, sql, dialect)
            try await sql.raw("""
                UPDATE list_votes SET state = \(bind: state.rawValue), attempts = attempts + \(bind: state == .skipped ? 0 : 1),
                       last_error = \(bind: error), sent_at = \(bind: state == .sent ? time.millisecondsSince1970 : nil)
                WHERE id = \(bind: voteID)
                """).run()
        }
    }

    static func vote(_ row: any SQLRow) throws -> ListVote {
        let direction = try row.decode(column: "vote", as: String.self), state = try row.decode(column: "state", as: String.self)
        guard let parsedDirection = ListVote.Direction(rawValue: direction) else { throw StoredValueProblem("list_votes.vote \"\(direction)\"") }
        guard let parsedState = ListVote.State(rawValue: state) else { throw StoredValueProblem("list_votes.state \"\(state)\"") }
        return ListVote(
            id: try row.decode(column: "id", as: Int64.self), caseID: try row.decode(column: "case_id", as: Int64.self),
            decision: try row.decode(column: "decision", as: Int64.self), entryID: try row.decode(column: "entry_id", as: Int64.self),
            bankID: try row.decode(column: "bank_id", as: Int64.self), externalID: try row.decode(column: "external_id", as: String.self),
            fingerprint: try row.decode(column: "fingerprint", as: String.self), direction: parsedDirection, state: parsedState,
            attempts: try row.decode(column: "attempts", as: Int.self),
            lastError: try row.decodeNil(column: "last_error") ? nil : try row.decode(column: "last_error", as: String.self),
            createdAt: Date(milliseconds: try row.decode(column: "created_at", as: Int64.self)),
            sentAt: try row.decodeNil(column: "sent_at") ? nil : Date(milliseconds: try row.decode(column: "sent_at", as: Int64.self)))
    }
}

/// The votes a decision sends back to the lists, written in the decision's own transaction.
enum ListVoteSQL {
    /// For each entry the case's evidence matched whose bank follows a list with feedback on: for
    /// NCMEC, a vote on each fingerprint that matched (MD5 when the image's MD5 is the entry's, PDQ
    /// otherwise); for another Vigil, one vote on the entry (`ENTRY`). And one `bank.feedback` job
    /// for the decision when there is any.
    static func queue(_ direction: ListVote.Direction, caseID: Int64, decision: Int64, ms: Int64, _ sql: any SQLDatabase) async throws {
        try await sql.raw("""
            INSERT INTO list_votes (case_id, decision, entry_id, bank_id, external_id, fingerprint, vote, state, attempts, created_at)
            SELECT DISTINCT ev.case_id, \(bind: decision), be.id, be.bank_id, be.external_id,
                   CASE WHEN s.kind = 'vigil_remote' THEN 'ENTRY' WHEN ev.md5 IS NOT NULL AND ev.md5 = be.md5 THEN 'MD5' ELSE 'PDQ' END,
                   \(bind: direction.rawValue), 'queued', 0, \(bind: ms)
            FROM case_evidence ev
            JOIN bank_entries be ON be.id = ev.entry_id
            JOIN bank_sources s ON s.bank_id = be.bank_id
            WHERE ev.case_id = \(bind: caseID) AND s.send_feedback
              AND ((s.kind = 'ncmec' AND be.external_id LIKE 'ncmec:%' AND (be.pdq IS NOT NULL OR (ev.md5 IS NOT NULL AND ev.md5 = be.md5)))
                   OR (s.kind = 'vigil_remote' AND be.external_id LIKE 'vigil:%'))
            ON CONFLICT (case_id, decision, entry_id, fingerprint) DO NOTHING
            """).run()
        guard try await sql.raw("SELECT id FROM list_votes WHERE case_id = \(bind: caseID) AND decision = \(bind: decision) LIMIT 1").first() != nil
        else { return }
        let payload = try JobText.encode(ListFeedbackJob.Payload(caseID: caseID, decision: decision))
        _ = try await SQLJobStore.insert(NewJob(kind: ListFeedbackJob.jobKind, payload: payload, maxAttempts: 8, runAfter: Date(milliseconds: ms)), at: Date(milliseconds: ms), on: sql)
    }
}
