public import Foundation
public import JSONValues

/// One line of a case's timeline or an account's history: who did what, when.
public struct HistoryEntry: Sendable, Equatable {
    public var id: Int64
    public var at: Date
    public var actor: String
    /// `created`, `status`, `assigned`, `escalated`, `comment`, `evidence`, `account_linked`,
    /// `decision`, `blocked`, `unblocked`, `tags`, …
    public var kind: String
    public var detail: JSONValue

    public init(id: Int64, at: Date, actor: String, kind: String, detail: JSONValue) {
        self.id = id
        self.at = at
        self.actor = actor
        self.kind = kind
        self.detail = detail
    }
}

/// A history line as a change writes it.
public struct NewHistoryEntry: Sendable, Equatable {
    public var actor: String
    public var kind: String
    public var detail: JSONValue

    public init(actor: String, kind: String, detail: JSONValue) {
        self.actor = actor
        self.kind = kind
        self.detail = detail
    }
}
