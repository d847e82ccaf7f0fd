import Basics
import JSONValues
import Banks
import Foundation

/// A bank's hash-sharing source as the API shows it.
struct BankSourceJSON: Encodable {
    var bank: String
    var kind: String
    var credential: String
    var intervalSeconds: Int
    var remoteBank: String?
    var sendFeedback: Bool
    var feedbackReason: String?
    var checkpoint: String?
    var nextRunAt: String
    var lastRunAt: String?
    var lastOutcome: String?

    enum CodingKeys: String, CodingKey {
        case bank, kind, credential, intervalSeconds = "interval_seconds", remoteBank = "remote_bank", sendFeedback = "send_feedback",
             feedbackReason = "feedback_reason", checkpoint, nextRunAt = "next_run_at",
             lastRunAt = "last_run_at", lastOutcome = "last_outcome"
    }

    init(bank: String, _ source: BankSource) {
        self.bank = bank
        kind = source.kind.rawValue
        credential = source.credentialID
        intervalSeconds = Int(source.interval)
        remoteBank = source.options["bank"]
        sendFeedback = source.sendsFeedback
        feedbackReason = source.options["feedback_reason"]
        checkpoint = source.checkpoint
        nextRunAt = Timestamp.iso8601(source.nextRunAt)
        lastRunAt = source.lastRunAt.map(Timestamp.iso8601)
        lastOutcome = source.lastOutcome
    }
}

/// `PUT /v1/banks/{name}/source`: `{"kind": "ncmec", "credential": "…", "interval_seconds": 900}`;
/// for `vigil_remote`, `remote_bank` names the other Vigil's bank; for `ncmec`, `send_feedback`
/// (false unless given) sends reviewers' decisions back as votes, with `feedback_reason` (a reason's
/// name) on a down-vote.
struct BankSourceBody: Decodable {
    var kind: String?
    var credential: String?
    var intervalSeconds: Int?
    var remoteBank: String?
    var sendFeedback: Bool?
    var feedbackReason: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, credential, intervalSeconds = "interval_seconds", remoteBank = "remote_bank", sendFeedback = "send_feedback",
             feedbackReason = "feedback_reason"
    }

    init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decodeIfPresent(String.self, forKey: .kind)
        credential = try c.decodeIfPresent(String.self, forKey: .credential)
        intervalSeconds = try c.decodeIfPresent(Int.self, forKey: .intervalSeconds)
        remoteBank = try c.decodeIfPresent(String.self, forKey: .remoteBank)
        sendFeedback = try c.decodeIfPresent(Bool.self, forKey: .sendFeedback)
        feedbackReason = try c.decodeIfPresent(String.self, forKey: .feedbackReason)
    }
}

/// A vote sent back to a bank's list, as `GET /v1/banks/{name}/votes` shows it.
struct ListVoteJSON: Encodable {
    var id: Int64
    var caseID: Int64
    var entryID: Int64
    var externalID: String
    var fingerprint: String
    var vote: String
    var state: String
    var attempts: Int
    var lastError: String?
    var createdAt: String
    var sentAt: String?

    enum CodingKeys: String, CodingKey {
        case id, caseID = "case_id", entryID = "entry_id", externalID = "external_id", fingerprint, vote, state, attempts, lastError = "last_error",
             createdAt = "created_at", sentAt = "sent_at"
    }

    init(_ vote: ListVote) {
        id = vote.id
        caseID = vote.caseID
        entryID = vote.entryID
        externalID = vote.externalID
        fingerprint = vote.fingerprint
        self.vote = vote.direction.rawValue
        state = vote.state.rawValue
        attempts = vote.attempts
        lastError = vote.lastError
        createdAt = Timestamp.iso8601(vote.createdAt)
        sentAt = vote.sentAt.map(Timestamp.iso8601)
    }
}
