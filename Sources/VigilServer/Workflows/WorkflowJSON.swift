import Basics
import Banks
import Foundation
import JSONValues
import Workflows

/// A workflow as the API shows it: its draft and which version is live.
struct WorkflowJSON: Encodable {
    let id: String
    let name: String
    let draft: WorkflowDefinition
    let liveVersion: Int?
    let latestVersion: Int?
    let createdAt: String
    let updatedAt: String

    enum CodingKeys: String, CodingKey {
        case id, name, draft
        case liveVersion = "live_version"
        case latestVersion = "latest_version"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    init(_ workflow: Workflow) {
        id = workflow.id
        name = workflow.name
        draft = workflow.draft
        liveVersion = workflow.liveVersion
        latestVersion = workflow.latestVersion
        createdAt = Timestamp.iso8601(workflow.createdAt)
        updatedAt = Timestamp.iso8601(workflow.updatedAt)
    }
}

struct WorkflowVersionJSON: Encodable {
    let workflowID: String
    let version: Int
    let definition: WorkflowDefinition?
    let publishedAt: String
    let publishedBy: String

    enum CodingKeys: String, CodingKey {
        case version, definition
        case workflowID = "workflow_id"
        case publishedAt = "published_at"
        case publishedBy = "published_by"
    }

    init(_ version: WorkflowVersion, withDefinition: Bool = true) {
        workflowID = version.workflowID
        self.version = version.version
        definition = withDefinition ? version.definition : nil
        publishedAt = Timestamp.iso8601(version.publishedAt)
        publishedBy = version.publishedBy
    }
}

/// A run, with its steps when one run is asked for.
struct WorkflowRunJSON: Encodable {
    let id: Int64
    let workflowID: String
    let version: Int
    let status: String
    let trigger: String
    let input: JSONValue
    let idempotencyKey: String?
    let rerunOf: Int64?
    let error: String?
    let cancelRequested: Bool
    let createdAt: String
    let startedAt: String?
    let finishedAt: String?
    let durationMS: Int?
    let steps: [StepJSON]?

    enum CodingKeys: String, CodingKey {
        case id, version, status, trigger, input, error, steps
        case workflowID = "workflow_id"
        case idempotencyKey = "idempotency_key"
        case rerunOf = "rerun_of"
        case cancelRequested = "cancel_requested"
        case createdAt = "created_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case durationMS = "duration_ms"
    }

    init(_ run: WorkflowRun, steps: [StepRecord]? = nil) {
        id = run.id
        workflowID = run.workflowID
        version = run.version
        status = run.status.rawValue
        trigger = run.trigger.rawValue
        input = run.input
        idempotencyKey = run.idempotencyKey
        rerunOf = run.rerunOf
        error = run.error
        cancelRequested = run.cancelRequested
        createdAt = Timestamp.iso8601(run.createdAt)
        startedAt = run.startedAt.map(Timestamp.iso8601)
        finishedAt = run.finishedAt.map(Timestamp.iso8601)
        durationMS = run.finishedAt.map { Int(($0.timeIntervalSince(run.createdAt) * 1000).rounded()) }
        self.steps = steps?.map(StepJSON.init)
    }
}

struct StepJSON: Encodable {
    let step: String
    let status: String
    let attempts: Int
    let input: JSONValue?
    let output: JSONValue?
    let error: String?
    let startedAt: String
    let finishedAt: String?
    let durationMS: Int?
    let nextAttemptAt: String?
    let worker: String?

    enum CodingKeys: String, CodingKey {
        case step, status, attempts, input, output, error, worker
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case durationMS = "duration_ms"
        case nextAttemptAt = "next_attempt_at"
    }

    init(_ record: StepRecord) {
        step = record.stepID
        status = record.status.rawValue
        attempts = record.attempts
        input = record.input
        output = record.output
        error = record.error
        startedAt = Timestamp.iso8601(record.startedAt)
        finishedAt = record.finishedAt.map(Timestamp.iso8601)
        durationMS = record.finishedAt.map { Int(($0.timeIntervalSince(record.startedAt) * 1000).rounded()) }
        nextAttemptAt = record.nextAttemptAt.map(Timestamp.iso8601)
        worker = record.worker
    }
}
