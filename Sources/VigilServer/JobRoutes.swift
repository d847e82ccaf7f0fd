import Foundation
import Hummingbird
import Jobs

/// `/v1/jobs`: what the queue is doing — progress, results, errors — and cancellation.
struct JobRoutes {
    let service: VigilService

    func register(reads: RouterGroup<VigilRequestContext>, writes: RouterGroup<VigilRequestContext>) {
        reads.get("jobs") { request, _ in try await list(request) }
        reads.get("jobs/{id}") { _, context in try JSONText.response(JobJSON(try await service.jobs.job(id: try id(context)))) }
        writes.post("jobs/{id}/cancel") { _, context in try JSONText.response(JobJSON(try await service.jobs.cancel(id: try id(context)))) }
    }

    func id(_ context: VigilRequestContext) throws -> Int64 {
        guard let id = Int64(try context.parameters.require("id")), id > 0 else { throw APIError.badRequest("job id must be a positive integer") }
        return id
    }

    func list(_ request: Request) async throws -> Response {
        let states = try request.query("state").map { text in
            try text.split(separator: ",").map { name in
                guard let state = JobState(rawValue: String(name)) else {
                    throw APIError.badRequest("state must be among \(JobState.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return state
            }
        }
        let kinds = request.query("kind").map { $0.split(separator: ",").map(String.init) }
        var limit = 100
        if let text = request.query("limit") {
            guard let value = Int(text), (1...1000).contains(value) else { throw APIError.badRequest("limit must be an integer from 1 to 1000") }
            limit = value
        }
        return try JSONText.response(["jobs": try await service.jobs.list(kinds: kinds, states: states, limit: limit).map(JobJSON.init)])
    }
}

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
        createdAt = ISO8601.string(job.createdAt)
        updatedAt = ISO8601.string(job.updatedAt)
        finishedAt = job.finishedAt.map(ISO8601.string)
        runAfter = ISO8601.string(job.runAfter)
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
