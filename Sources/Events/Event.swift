public import Foundation
public import JSONValues

/// Something that happened, as every consumer sees it: the SSE stream, webhooks, workflow
/// triggers. Ids grow in commit order, so "every event after id N" is a complete answer, and a
/// receiver deduplicates by id.
public struct Event: Sendable, Equatable {
    public let id: Int64
    /// `case.created`, `account.blocked`, `match.found`, … (`EventTypes`).
    public let type: String
    /// What the event is about, `case:12` or `account:3`: deliveries keep order per subject.
    public let subject: String
    /// Who caused it: `key:<id>`, `workflow:<id>`, `cli`, `system`.
    public let actor: String
    public let payload: JSONValue
    public let at: Date
    /// The trace the event was written in (W3C trace context as `JobTrace` carries it), so that
    /// what it starts continues it; nil when tracing is off.
    public let traceContext: String?

    public init(id: Int64, type: String, subject: String, actor: String, payload: JSONValue, at: Date, traceContext: String? = nil) {
        self.id = id
        self.type = type
        self.subject = subject
        self.actor = actor
        self.payload = payload
        self.at = at
        self.traceContext = traceContext
    }
}

/// An event as its change writes it, in the change's own transaction.
public struct NewEvent: Sendable, Equatable {
    public var type: String
    public var subject: String
    public var actor: String
    public var payload: JSONValue
    /// The trace it belongs to, when it is written away from it (a group commit); nil: the trace
    /// of the writer.
    public var traceContext: String?

    public init(type: String, subject: String, actor: String, payload: JSONValue, traceContext: String? = nil) {
        self.type = type
        self.subject = subject
        self.actor = actor
        self.payload = payload
        self.traceContext = traceContext
    }
}
