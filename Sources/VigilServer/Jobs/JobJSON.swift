import Basics
import JSONValues
import Foundation
import Hummingbird
import Jobs

/// A job as the API shows it (its payload stays inside: it names server paths).
struct JobJSON: Encodable {
    var id: Int64
    var kind: String
    var state: String
    var attempts: Int
    var maxAttempts: Int
    var progress: JSONValue?
    var result: JSONValue?
    var error: String?
    var cancelRequested: Bool
    var createdAt: String
    var updatedAt: String
    var finishedAt: String?
    var runAfter: String

    enum CodingKeys: String, CodingKey {
        case id, kind, state, attempts, maxAttempts = "max_attempts", progress, result, error, cancelRequested = "cancel_requested",
             createdAt = "created_at", updatedAt = "updated_at", finishedAt = "finished_at", runAfter = "run_after"
    }

    init(_ job: Job) {
        id = job.id
        kind = job.kind
        state = job.state.rawValue
        attempts = job.attempts
        maxAttempts = job.maxAttempts
        progress = job.progress.flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }
        result = job.result.flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }
        error = job.error
        cancelRequested = job.cancelRequested
        createdAt = Timestamp.iso8601(job.createdAt)
        updatedAt = Timestamp.iso8601(job.updatedAt)
        finishedAt = job.finishedAt.map(Timestamp.iso8601)
        runAfter = Timestamp.iso8601(job.runAfter)
    }

    func encode(to encoder: any Encoder) throws {
        // Every key is always present (null when unset).
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(kind, forKey: .kind)
        try c.encode(state, forKey: .state)
        try c.encode(attempts, forKey: .attempts)
        try c.encode(maxAttempts, forKey: .maxAttempts)
        try c.encode(progress, forKey: .progress)
        try c.encode(result, forKey: .result)
        try c.encode(error, forKey: .error)
        try c.encode(cancelRequested, forKey: .cancelRequested)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
        try c.encode(finishedAt, forKey: .finishedAt)
        try c.encode(runAfter, forKey: .runAfter)
    }
}
