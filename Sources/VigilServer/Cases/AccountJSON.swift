import Basics
import Banks
import Cases
import Foundation

/// An account as the API shows it (the detail adds its history and cases).
struct AccountJSON: Encodable {
    let id: Int64
    let referenceID: String
    let screenName: String?
    let email: String?
    let status: String
    let tags: [String]
    let blockReason: String?
    let version: Int
    let createdAt: String
    let updatedAt: String
    let history: [HistoryJSON]?
    let caseIDs: [Int64]?

    enum CodingKeys: String, CodingKey {
        case id, email, status, tags, version, history
        case referenceID = "reference_id"
        case screenName = "screen_name"
        case blockReason = "block_reason"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case caseIDs = "case_ids"
    }

    init(_ account: Account, history: [HistoryEntry]? = nil, caseIDs: [Int64]? = nil) {
        id = account.id
        referenceID = account.referenceID
        screenName = account.screenName
        email = account.email
        status = account.status
        tags = account.tags
        blockReason = account.blockReason
        version = account.version
        createdAt = Timestamp.iso8601(account.createdAt)
        updatedAt = Timestamp.iso8601(account.updatedAt)
        self.history = history.map { $0.map(HistoryJSON.init) }
        self.caseIDs = caseIDs
    }

    init(_ detail: AccountDetail) { self.init(detail.account, history: detail.history, caseIDs: detail.caseIDs) }
}

struct AccountPage: Encodable {
    let accounts: [AccountJSON]
    let nextBefore: Int64?

    enum CodingKeys: String, CodingKey {
        case accounts
        case nextBefore = "next_before"
    }
}
