import BankImport
import Banks
import Foundation
import Hummingbird
import Jobs

/// `/v1/jobs`: what the queue is doing — progress, results, errors — and cancellation.
struct JobRoutes {
    let service: VigilService

    func register(on routes: RouterGroup<VigilRequestContext>) {
        routes.get("jobs") { request, _ in try await list(request) }
        routes.get("jobs/{id}") { _, context in try JSONText.response(JobJSON(try await service.jobs.job(id: try id(context)))) }
        routes.post("jobs/{id}/cancel") { _, context in try await cancel(context) }
    }

    func id(_ context: VigilRequestContext) throws -> Int64 {
        guard let id = Int64(try context.parameters.require("id")), id > 0 else { throw APIError.badRequest("job id must be a positive integer") }
        return id
    }

    /// A queued import cancelled before it started never runs, so its spooled upload goes now.
    func cancel(_ context: VigilRequestContext) async throws -> Response {
        let job = try await service.jobs.cancel(id: try id(context))
        if job.kind == BankImportJob.kind, job.state == .cancelled, job.attempts == 0,
           let payload = try? JSONDecoder().decode(BankImportJob.Payload.self, from: Data(job.payload.utf8)) {
            try? FileManager.default.removeItem(atPath: payload.file)
        }
        return try JSONText.response(JobJSON(job))
    }

    func list(_ request: Request) async throws -> Response {
        let states = try request.queryStates("state", as: JobState.self)
        let kinds = request.query("kind").map { $0.split(separator: ",").map(String.init) }
        let limit = try request.queryInteger("limit", default: 100, in: 1...1000)
        return try JSONText.response(["jobs": try await service.jobs.list(kinds: kinds, states: states, limit: limit).map(JobJSON.init)])
    }
}
