public import Banks
import Cases
public import Foundation
public import Jobs
import PDQ
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

    public func currentVerdict(caseID: Int64, entryID: Int64) async throws -> ListVote.Direction? {
        try await database.run { sql in
            guard let row = try await sql.raw("SELECT verdict FROM entry_verdicts WHERE case_id = \(bind: caseID) AND entry_id = \(bind: entryID)").first()
            else { return nil }
            return try row.decode(column: "verdict", as: String.self) == "confirmed" ? .up : .down
        }
    }

    public func requeueFailed(bankID: Int64) async throws -> [ListFeedbackJob.Payload] {
        let ms = Date().millisecondsSince1970
        return try await database.transaction { sql in
            // Queued again now: the list's patience counts from here.
            try await sql.raw("""
                UPDATE list_votes SET state = 'queued', created_at = \(bind: ms) WHERE bank_id = \(bind: bankID) AND state = 'failed' RETURNING case_id, decision
                """).all().reduce(into: [ListFeedbackJob.Payload]()) { payloads, row in
                    let payload = ListFeedbackJob.Payload(caseID: try row.decode(column: "case_id", as: Int64.self),
                                                          decision: try row.decode(column: "decision", as: Int64.self))
                    if !payloads.contains(where: { $0.caseID == payload.caseID && $0.decision == payload.decision }) { payloads.append(payload) }
                }
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

/// A resolved case's word on the bank entries it matched, written in the decision's own
/// transaction: the verdict per entry (counted on the entry), and the votes the entries' lists
/// are to get. Only evidence Vigil made itself counts — added by a workflow or the system, naming
/// the entry's own bank, with signals that match the entry (the same MD5 or SHA-256, or a PDQ
/// within the bank's threshold) — so a person cannot count or vote against an entry by typing its
/// id into a case.
enum VerdictSQL {
    /// One entry a case's evidence matched, as verified.
    struct Judged {
        var entryID: Int64
        var bankID: Int64
        var externalID: String?
        var sourceKind: String?
        var sendsFeedback: Bool
        /// The fingerprints that matched exactly (`MD5`, SHA-256), and whether a PDQ matched and how near.
        var md5Exact = false
        var shaExact = false
        var pdqDistance: Int?
        /// The same, from evidence that holds the very image Vigil hashed (kept, its SHA-256 the
        /// evidence's): a person saw what the list is told about. Votes go on these alone.
        var seen = Seen()

        struct Seen {
            var md5Exact = false
            var shaExact = false
            var pdqDistance: Int?
            var any: Bool { md5Exact || shaExact || pdqDistance != nil }
        }
    }

    static func record(_ verdict: EntryVerdict, caseID: Int64, decision: Int64, ms: Int64, _ sql: any SQLDatabase) async throws {
        let judged = try await verified(caseID: caseID, sql)
        for entry in judged.values.sorted(by: { $0.entryID < $1.entryID }) {
            try await sql.raw("""
                INSERT INTO entry_verdicts (case_id, entry_id, verdict, at) VALUES (\(bind: caseID), \(bind: entry.entryID), \(bind: verdict.rawValue), \(bind: ms))
                ON CONFLICT (case_id, entry_id) DO UPDATE SET verdict = excluded.verdict, at = excluded.at
                """).run()
        }
        try await queueVotes(verdict == .confirmed ? .up : .down, judged: Array(judged.values), caseID: caseID, decision: decision, ms: ms, sql)
    }

    /// A case reopened is undecided again: its verdicts no longer count.
    static func withdraw(caseID: Int64, _ sql: any SQLDatabase) async throws {
        try await sql.raw("DELETE FROM entry_verdicts WHERE case_id = \(bind: caseID)").run()
    }

    static func verified(caseID: Int64, _ sql: any SQLDatabase) async throws -> [Int64: Judged] {
        let rows = try await sql.raw("""
            SELECT ev.bank AS ev_bank, ev.pdq AS ev_pdq, ev.md5 AS ev_md5, ev.sha256 AS ev_sha256, ev.added_by AS added_by,
                   CASE WHEN ev.media_sha256 IS NOT NULL AND ev.media_sha256 = ev.sha256
                             AND EXISTS (SELECT 1 FROM media m WHERE m.sha256 = ev.media_sha256) THEN 1 ELSE 0 END AS image_kept,
                   be.id AS entry_id, be.bank_id AS bank_id, be.pdq AS pdq, be.md5 AS md5, be.sha256 AS sha256, be.external_id AS external_id,
                   b.name AS bank_name, b.pdq_threshold AS threshold, s.kind AS source_kind, s.send_feedback AS send_feedback
            FROM case_evidence ev
            JOIN bank_entries be ON be.id = ev.entry_id
            JOIN banks b ON b.id = be.bank_id
            LEFT JOIN bank_sources s ON s.bank_id = be.bank_id
            WHERE ev.case_id = \(bind: caseID) AND b.kind = 'match'
            """).all()
        var judged: [Int64: Judged] = [:]
        for row in rows {
            let addedBy = try row.decode(column: "added_by", as: String.self)
            let evidenceBank = try row.decode(column: "ev_bank", as: String?.self), bankName = try row.decode(column: "bank_name", as: String.self)
            guard addedBy.hasPrefix("workflow:") || addedBy.hasPrefix("system:"), evidenceBank == bankName else { continue }
            let md5Exact = try row.decode(column: "ev_md5", as: String?.self).map { $0 == (try row.decode(column: "md5", as: String?.self)) } ?? false
            let shaExact = try row.decode(column: "ev_sha256", as: String?.self).map { $0 == (try row.decode(column: "sha256", as: String?.self)) } ?? false
            var distance: Int?
            if let text = try row.decode(column: "ev_pdq", as: String?.self), let evidence = PDQHash(hex: text),
               let stored = try SQLBankStore.pdq(try row.decode(column: "pdq", as: Data?.self)) {
                let d = evidence.distance(to: stored)
                if d <= (try row.decode(column: "threshold", as: Int.self)) { distance = d }
            }
            guard md5Exact || shaExact || distance != nil else { continue }
            let id = try row.decode(column: "entry_id", as: Int64.self)
            let fresh = Judged(entryID: id, bankID: try row.decode(column: "bank_id", as: Int64.self),
                               externalID: try row.decode(column: "external_id", as: String?.self),
                               sourceKind: try row.decode(column: "source_kind", as: String?.self),
                               sendsFeedback: try row.decode(column: "send_feedback", as: Bool?.self) ?? false)
            var entry = judged[id] ?? fresh
            entry.md5Exact = entry.md5Exact || md5Exact
            entry.shaExact = entry.shaExact || shaExact
            if let distance { entry.pdqDistance = min(entry.pdqDistance ?? distance, distance) }
            if try row.decode(column: "image_kept", as: Int.self) == 1 {
                entry.seen.md5Exact = entry.seen.md5Exact || md5Exact
                entry.seen.shaExact = entry.seen.shaExact || shaExact
                if let distance { entry.seen.pdqDistance = min(entry.seen.pdqDistance ?? distance, distance) }
            }
            judged[id] = entry
        }
        return judged
    }

    /// The votes for the lists the entries came from, where their source sends feedback: NCMEC gets
    /// one per fingerprint that matched (MD5 when the image's MD5 is the entry's, else PDQ), another
    /// Vigil one per entry (`ENTRY`). Only for evidence holding the image Vigil hashed (a person saw
    /// what the list is told about); a false positive is voted down only on an exact match (the same
    /// file, or a PDQ at distance 0): a near match found false says nothing of the list's own image.
    /// One vote per case, entry and fingerprint: decided again the other way, it is replaced (and
    /// sent again); the same way, nothing new. One job per decision that queued any.
    static func queueVotes(_ direction: ListVote.Direction, judged: [Judged], caseID: Int64, decision: Int64, ms: Int64,
                           _ sql: any SQLDatabase) async throws {
        var queued = false
        for entry in judged.sorted(by: { $0.entryID < $1.entryID }) where entry.sendsFeedback && entry.seen.any {
            guard let externalID = entry.externalID else { continue }
            let seen = entry.seen
            let exact = seen.md5Exact || seen.shaExact || seen.pdqDistance == 0
            if direction == .down, !exact { continue }
            let fingerprint: String
            switch entry.sourceKind {
            case BankSource.Kind.ncmec.rawValue where externalID.hasPrefix("ncmec:"):
                if seen.md5Exact { fingerprint = "MD5" } else if seen.pdqDistance != nil { fingerprint = "PDQ" } else { continue }
            case BankSource.Kind.vigilRemote.rawValue where externalID.hasPrefix("vigil:"):
                fingerprint = "ENTRY"
            default:
                continue
            }
            let inserted = try await sql.raw("""
                INSERT INTO list_votes (case_id, decision, entry_id, bank_id, external_id, fingerprint, vote, state, attempts, created_at)
                VALUES (\(bind: caseID), \(bind: decision), \(bind: entry.entryID), \(bind: entry.bankID), \(bind: externalID), \(bind: fingerprint),
                        \(bind: direction.rawValue), 'queued', 0, \(bind: ms))
                ON CONFLICT (case_id, entry_id, fingerprint) DO UPDATE SET vote = excluded.vote, decision = excluded.decision, state = 'queued',
                    attempts = 0, last_error = NULL, created_at = excluded.created_at, sent_at = NULL
                WHERE list_votes.vote <> excluded.vote
                RETURNING id
                """).first()
            queued = queued || inserted != nil
        }
        guard queued else { return }
        let payload = try JobText.encode(ListFeedbackJob.Payload(caseID: caseID, decision: decision))
        _ = try await SQLJobStore.insert(NewJob(kind: ListFeedbackJob.jobKind, payload: payload, maxAttempts: 8, runAfter: Date(milliseconds: ms)),
                                         at: Date(milliseconds: ms), on: sql)
    }
}
