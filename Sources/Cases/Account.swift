public import Foundation

/// A user of the operator's platform, by the operator's own id: what cases link to and what
/// blocking acts on.
public struct Account: Sendable, Equatable {
    public var id: Int64
    /// The operator's own user id.
    public var referenceID: String
    public var screenName: String?
    public var email: String?
    public var status: String
    public var tags: [String]
    /// Why the account is blocked (set while it is).
    public var blockReason: String?
    public var version: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: Int64, referenceID: String, screenName: String?, email: String?, status: String, tags: [String], blockReason: String?,
                version: Int, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.referenceID = referenceID
        self.screenName = screenName
        self.email = email
        self.status = status
        self.tags = tags
        self.blockReason = blockReason
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public var subject: String { "account:\(id)" }
    public var isBlocked: Bool { status == AccountStatuses.blocked }
}

/// An account with its history and the cases that name it.
public struct AccountDetail: Sendable, Equatable {
    public var account: Account
    public var history: [HistoryEntry]
    public var caseIDs: [Int64]

    public init(account: Account, history: [HistoryEntry], caseIDs: [Int64]) {
        self.account = account
        self.history = history
        self.caseIDs = caseIDs
    }
}

public struct NewAccount: Sendable, Equatable {
    public var referenceID: String
    public var screenName: String?
    public var email: String?
    public var tags: [String]

    public init(referenceID: String, screenName: String? = nil, email: String? = nil, tags: [String] = []) {
        self.referenceID = referenceID
        self.screenName = screenName
        self.email = email
        self.tags = tags
    }
}

/// The statuses an account may have: `active`, `under_review` and `blocked` by default, more
/// when the operator configures them. `blocked` is always one (blocking needs it).
public struct AccountStatuses: Sendable, Equatable {
    public static let active = "active"
    public static let blocked = "blocked"
    public let all: [String]

    public init(_ names: [String] = ["active", "under_review", "blocked"]) {
        var names = names
        for required in [Self.active, Self.blocked] where !names.contains(required) { names.append(required) }
        all = names
    }

    public func contains(_ status: String) -> Bool { all.contains(status) }
}

public struct AccountFilter: Sendable {
    public var status: String?
    public var tag: String?
    /// Matches the reference id, screen name or email (a prefix, case-insensitive).
    public var search: String?
    public var before: Int64?
    public var limit: Int

    public init(status: String? = nil, tag: String? = nil, search: String? = nil, before: Int64? = nil, limit: Int = 50) {
        self.status = status
        self.tag = tag
        self.search = search
        self.before = before
        self.limit = limit
    }
}
