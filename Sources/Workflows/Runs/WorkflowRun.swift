public import Foundation
public import JSONValues

/// One run of a published version, from its trigger to its end.
public struct WorkflowRun: Sendable, Equatable {
    public var id: Int64
    public var workflowID: String
    public var version: Int
    public var status: RunStatus
    public var trigger: RunTrigger
    /// The trigger's payload: the API call's parameters, or the event.
    public var input: JSONValue
    public var idempotencyKey: String?
    /// The run this one re-ran, for a manual re-run.
    public var rerunOf: Int64?
    public var error: String?
    public var cancelRequested: Bool
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var updatedAt: Date

    public init(id: Int64, workflowID: String, version: Int, status: RunStatus, trigger: RunTrigger, input: JSONValue, idempotencyKey: String?,
                rerunOf: Int64?, error: String?, cancelRequested: Bool, createdAt: Date, startedAt: Date?, finishedAt: Date?, updatedAt: Date) {
        self.id = id
        self.workflowID = workflowID
        self.version = version
        self.status = status
        self.trigger = trigger
        self.input = input
        self.idempotencyKey = idempotencyKey
        self.rerunOf = rerunOf
        self.error = error
        self.cancelRequested = cancelRequested
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.updatedAt = updatedAt
    }
}

public enum RunStatus: String, Sendable, CaseIterable, Codable {
    /// Created, its job not yet claimed.
    case queued
    case running
    /// A step failed and waits for its next try (its backoff).
    case waiting
    case succeeded, failed, cancelled

    public var isFinished: Bool { self == .succeeded || self == .failed || self == .cancelled }
}

public enum RunTrigger: String, Sendable, CaseIterable, Codable {
    case api, event, manual
}

/// A run to create.
public struct NewRun: Sendable {
    public var workflowID: String
    public var version: Int
    public var trigger: RunTrigger
    public var input: JSONValue
    public var idempotencyKey: String?
    public var rerunOf: Int64?
    /// A run that cannot start (its trigger's condition does not parse): created failed, with
    /// this error, and no job.
    public var failure: String?

    public init(workflowID: String, version: Int, trigger: RunTrigger, input: JSONValue, idempotencyKey: String?, rerunOf: Int64? = nil,
                failure: String? = nil) {
        self.workflowID = workflowID
        self.version = version
        self.trigger = trigger
        self.input = input
        self.idempotencyKey = idempotencyKey
        self.rerunOf = rerunOf
        self.failure = failure
    }
}

/// Which runs to list.
public struct RunFilter: Sendable {
    public var workflowID: String?
    public var statuses: [RunStatus]?
    public var since: Date?
    public var until: Date?
    /// Only runs with an id below this (the next page).
    public var before: Int64?
    public var limit: Int

    public init(workflowID: String? = nil, statuses: [RunStatus]? = nil, since: Date? = nil, until: Date? = nil, before: Int64? = nil, limit: Int = 50) {
        self.workflowID = workflowID
        self.statuses = statuses
        self.since = since
        self.until = until
        self.before = before
        self.limit = limit
    }
}
