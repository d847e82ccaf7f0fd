public import Foundation
public import JSONValues

/// A case: one matter a reviewer decides (an upload that matched, an account that was reported).
public struct Case: Sendable, Equatable {
    public var id: Int64
    public var title: String
    /// The template whose statuses the case moves through.
    public var template: String
    public var status: String
    /// Whether `status` is one of the template's final statuses (the case is resolved).
    public var isFinal: Bool
    public var priority: Priority
    public var queue: String
    public var assignee: String?
    /// The template's own fields (`required_fields` name some of them).
    public var fields: [String: JSONValue]
    public var accountIDs: [Int64]
    public var evidenceCount: Int
    /// Grows by one with every change: a decision names the version it was made on.
    public var version: Int
    public var createdBy: String
    public var createdAt: Date
    public var updatedAt: Date
    public var resolvedAt: Date?

    public init(id: Int64, title: String, template: String, status: String, isFinal: Bool, priority: Priority, queue: String,
                assignee: String?, fields: [String: JSONValue], accountIDs: [Int64], evidenceCount: Int, version: Int,
                createdBy: String, createdAt: Date, updatedAt: Date, resolvedAt: Date?) {
        self.id = id
        self.title = title
        self.template = template
        self.status = status
        self.isFinal = isFinal
        self.priority = priority
        self.queue = queue
        self.assignee = assignee
        self.fields = fields
        self.accountIDs = accountIDs
        self.evidenceCount = evidenceCount
        self.version = version
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.resolvedAt = resolvedAt
    }

    public var subject: String { "case:\(id)" }
}

public enum Priority: String, Sendable, Codable, CaseIterable, Comparable {
    case low, normal, high, urgent

    public static func < (lhs: Priority, rhs: Priority) -> Bool { lhs.rank < rhs.rank }
    var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }
}

/// A case with everything it holds: evidence and its timeline (comments among it).
public struct CaseDetail: Sendable, Equatable {
    public var `case`: Case
    public var evidence: [Evidence]
    public var timeline: [HistoryEntry]

    public init(case: Case, evidence: [Evidence], timeline: [HistoryEntry]) {
        self.case = `case`
        self.evidence = evidence
        self.timeline = timeline
    }
}

/// A case as it is opened.
public struct NewCase: Sendable {
    public var title: String
    public var template: String
    public var priority: Priority
    public var queue: String
    public var assignee: String?
    public var fields: [String: JSONValue]
    public var accountIDs: [Int64]
    public var evidence: [NewEvidence]
    /// Opening twice with one key opens one case (a workflow step retried after a crash).
    public var originKey: String?

    public init(title: String, template: String = CaseTemplate.standard.name, priority: Priority = .normal, queue: String = "default",
                assignee: String? = nil, fields: [String: JSONValue] = [:], accountIDs: [Int64] = [], evidence: [NewEvidence] = [],
                originKey: String? = nil) {
        self.title = title
        self.template = template
        self.priority = priority
        self.queue = queue
        self.assignee = assignee
        self.fields = fields
        self.accountIDs = accountIDs
        self.evidence = evidence
        self.originKey = originKey
    }
}
