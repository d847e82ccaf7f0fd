import Basics
import Banks
import Cases
import Reports
import Foundation
import JSONValues

/// A case as the API shows it (lists show this; the detail adds evidence and the timeline).
struct CaseJSON: Encodable {
    let id: Int64
    let title: String
    let template: String
    let status: String
    let isFinal: Bool
    let priority: String
    let queue: String
    let assignee: String?
    let fields: [String: JSONValue]
    let accountIDs: [Int64]
    let evidenceCount: Int
    let version: Int
    let createdBy: String
    let createdAt: String
    let updatedAt: String
    let resolvedAt: String?
    let evidence: [EvidenceJSON]?
    let timeline: [HistoryJSON]?

    enum CodingKeys: String, CodingKey {
        case id, title, template, status, priority, queue, assignee, fields, version, evidence, timeline
        case isFinal = "is_final"
        case accountIDs = "account_ids"
        case evidenceCount = "evidence_count"
        case createdBy = "created_by"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case resolvedAt = "resolved_at"
    }

    init(_ item: Case, evidence: [Evidence]? = nil, timeline: [HistoryEntry]? = nil) {
        id = item.id
        title = item.title
        template = item.template
        status = item.status
        isFinal = item.isFinal
        priority = item.priority.rawValue
        queue = item.queue
        assignee = item.assignee
        fields = item.fields
        accountIDs = item.accountIDs
        evidenceCount = item.evidenceCount
        version = item.version
        createdBy = item.createdBy
        createdAt = Timestamp.iso8601(item.createdAt)
        updatedAt = Timestamp.iso8601(item.updatedAt)
        resolvedAt = item.resolvedAt.map(Timestamp.iso8601)
        self.evidence = evidence.map { $0.map(EvidenceJSON.init) }
        self.timeline = timeline.map { $0.map(HistoryJSON.init) }
    }

    init(_ detail: CaseDetail) { self.init(detail.case, evidence: detail.evidence, timeline: detail.timeline) }
}

struct EvidenceJSON: Encodable {
    let id: Int64
    let provider: String
    let bank: String?
    let entryID: Int64?
    let distance: Int?
    let variant: String?
    let detail: JSONValue
    let pdq: String?
    let md5: String?
    let sha256: String?
    let mediaSHA256: String?
    let fileName: String?
    let sourceURL: String?
    let addedBy: String
    let addedAt: String

    enum CodingKeys: String, CodingKey {
        case id, provider, bank, distance, variant, detail, pdq, md5, sha256
        case entryID = "entry_id"
        case mediaSHA256 = "media_sha256"
        case fileName = "file_name"
        case sourceURL = "source_url"
        case addedBy = "added_by"
        case addedAt = "added_at"
    }

    init(_ item: Evidence) {
        id = item.id
        provider = item.match.provider
        bank = item.match.bank
        entryID = item.match.entryID
        distance = item.match.distance
        variant = item.match.variant
        detail = item.match.detail
        pdq = item.signals.pdq
        md5 = item.signals.md5
        sha256 = item.signals.sha256
        mediaSHA256 = item.mediaSHA256
        fileName = item.fileName
        sourceURL = item.sourceURL
        addedBy = item.addedBy
        addedAt = Timestamp.iso8601(item.addedAt)
    }
}

struct HistoryJSON: Encodable {
    let id: Int64
    let at: String
    let actor: String
    let kind: String
    let detail: JSONValue

    init(_ entry: HistoryEntry) {
        id = entry.id
        at = Timestamp.iso8601(entry.at)
        actor = entry.actor
        kind = entry.kind
        detail = entry.detail
    }
}

struct QueueCountJSON: Encodable {
    let queue: String
    let open: Int
    let unassigned: Int
    let oldestOpenAt: String?
    let slaMinutes: Int?
    /// Open cases waiting longer than the queue's SLA target.
    let slaBreaches: Int

    enum CodingKeys: String, CodingKey {
        case queue, open, unassigned
        case oldestOpenAt = "oldest_open_at"
        case slaMinutes = "sla_minutes"
        case slaBreaches = "sla_breaches"
    }

    init(_ count: QueueCount) {
        queue = count.queue
        open = count.open
        unassigned = count.unassigned
        oldestOpenAt = count.oldestOpenAt.map(Timestamp.iso8601)
        slaMinutes = count.sla?.minutes
        slaBreaches = count.breaches
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(queue, forKey: .queue)
        try container.encode(open, forKey: .open)
        try container.encode(unassigned, forKey: .unassigned)
        try container.encodeIfPresent(oldestOpenAt, forKey: .oldestOpenAt)
        try container.encode(slaMinutes, forKey: .slaMinutes)
        try container.encode(slaBreaches, forKey: .slaBreaches)
    }
}

/// A queue's SLA target as `PUT /v1/case-queues/{name}` saved it (null: none).
struct QueueSLAJSON: Encodable {
    let queue: String
    let slaMinutes: Int?

    enum CodingKeys: String, CodingKey {
        case queue
        case slaMinutes = "sla_minutes"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(queue, forKey: .queue)
        try container.encode(slaMinutes, forKey: .slaMinutes)
    }
}

/// What `POST /v1/case-decisions` reads: the cases, each with the version the reviewer saw, and
/// the decision (as for one case, without its version).
struct BulkDecisionBody: Decodable {
    struct Target: Decodable {
        let id: Int64
        let version: Int
    }

    let cases: [Target]
    let decision: DecisionBody

    enum CodingKeys: String, CodingKey { case cases, decision }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        cases = try container.decode([Target].self, forKey: .cases)
        decision = try DecisionBody(from: decoder)
        if decision.version != nil {
            throw DecodingError.dataCorruptedError(forKey: .cases, in: container,
                                                   debugDescription: "version belongs to each case in cases, not to the decision")
        }
    }
}

/// What became of each case of a bulk decision.
struct BulkDecisionJSON: Encodable {
    struct Outcome: Encodable {
        let id: Int64
        let decided: Bool
        let version: Int?
        let status: String?
        let reason: String?
    }

    let results: [Outcome]
    let decided: Int
    let refused: Int

    init(_ outcomes: [BulkDecisionOutcome]) {
        results = outcomes.map { outcome in
            switch outcome {
            case let .decided(item): Outcome(id: item.id, decided: true, version: item.version, status: item.status, reason: nil)
            case let .refused(id, reason): Outcome(id: id, decided: false, version: nil, status: nil, reason: reason)
            }
        }
        decided = results.filter(\.decided).count
        refused = results.count - decided
    }
}

/// What `POST /v1/cases` reads.
struct NewCaseBody: Decodable {
    let title: String
    let template: String?
    let priority: Priority?
    let queue: String?
    let assignee: String?
    let fields: [String: JSONValue]?
    let accountIDs: [Int64]?
    let evidence: [EvidenceBody]?

    enum CodingKeys: String, CodingKey {
        case title, template, priority, queue, assignee, fields, evidence
        case accountIDs = "account_ids"
    }
}

struct EvidenceBody: Decodable {
    let provider: String?
    let bank: String?
    let entryID: Int64?
    let distance: Int?
    let variant: String?
    let detail: JSONValue?
    let pdq: String?
    let md5: String?
    let sha256: String?
    let fileName: String?
    let sourceURL: String?

    enum CodingKeys: String, CodingKey {
        case provider, bank, distance, variant, detail, pdq, md5, sha256
        case entryID = "entry_id"
        case fileName = "file_name"
        case sourceURL = "source_url"
    }

    var evidence: NewEvidence {
        NewEvidence(match: EvidenceMatch(provider: provider ?? "vigil", bank: bank, entryID: entryID, distance: distance, variant: variant,
                                         detail: detail ?? .object([:])),
                    signals: EvidenceSignals(pdq: pdq?.lowercased(), md5: md5?.lowercased(), sha256: sha256?.lowercased()),
                    fileName: fileName, sourceURL: sourceURL)
    }
}

/// What `POST /v1/cases/{id}/decisions` reads: the decision, the version it was made on.
struct DecisionBody: Decodable {
    let decision: String
    let version: Int?
    let note: String?
    let addToBank: String?
    let addToAllowBank: String?
    let assignee: String?
    let status: String?
    let priority: Priority?

    enum CodingKeys: String, CodingKey {
        case decision, version, note, assignee, status, priority
        case addToBank = "add_to_bank"
        case addToAllowBank = "add_to_allow_bank"
    }

    static let names = ["confirm", "false_positive", "escalate", "assign", "set_status", "set_priority", "reopen"]

    /// The version the decision was made on: required, so two reviewers deciding at once never
    /// both win.
    func requiredVersion() throws -> Int {
        guard let version else {
            throw APIError(.unprocessableContent, "missing_field",
                           "version is required: the version of the case the decision was made on (its \"version\" field), so a concurrent change is caught")
        }
        return version
    }

    func parsed() throws -> CaseDecision {
        switch decision {
        case "confirm": return .confirm(addToBank: addToBank)
        case "false_positive": return .falsePositive(addToAllowBank: addToAllowBank)
        case "escalate": return .escalate
        case "assign": return .assign(assignee.flatMap { $0.isEmpty ? nil : $0 })
        case "set_status":
            guard let status else { throw APIError.badRequest("set_status needs a status") }
            return .setStatus(status)
        case "set_priority":
            guard let priority else { throw APIError.badRequest("set_priority needs a priority (\(Priority.allCases.map(\.rawValue).joined(separator: ", ")))") }
            return .setPriority(priority)
        case "reopen": return .reopen
        default:
            throw APIError.badRequest("decision must be one of \(Self.names.joined(separator: ", ")), not \(decision)")
        }
    }
}
