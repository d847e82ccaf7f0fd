import BankImport
import Access
import Banks
import Events
import Foundation
import Hummingbird
import Jobs
import Reports
import Workflows

/// `/v1/jobs`: what the queue is doing — progress, results, errors — and cancellation.
struct JobRoutes {
    let jobs: JobQueue

    func register(on routes: RouterGroup<VigilRequestContext>) {
        routes.get("jobs") { request, _ in try await list(request) }
        routes.get("jobs/{id}") { _, context in try JSONText.response(JobJSON(try await jobs.job(id: try id(context)))) }
        routes.post("jobs/{id}/cancel") { _, context in try await cancel(context) }
    }

    func id(_ context: VigilRequestContext) throws -> Int64 {
        guard let id = Int64(try context.parameters.require("id")), id > 0 else { throw APIError.badRequest("job id must be a positive integer") }
        return id
    }

    /// Who may cancel a job of each kind here: the permission that owns the work. A kind with
    /// its own way to stop (a workflow run, a report's submission) is refused here whoever asks:
    /// cancelling its job underneath would leave the run or the report stuck where it was.
    static func owner(ofKind kind: String) -> Result<Permission, APIError> {
        switch kind {
        case BankImportJob.kind, BankSyncService.jobKind: .success(.writeBanks)
        case WebhookDelivery.jobKind:
            .failure(APIError(.conflict, "cancel_elsewhere",
                              "a webhook delivery ends with its subscription (deactivate or delete it): cancelling its job would hold up the deliveries after it"))
        case WorkflowService.jobKind:
            .failure(APIError(.conflict, "cancel_elsewhere", "a workflow run's job is cancelled with POST /v1/workflow-runs/{run}/cancel"))
        case ReportCallJob.jobKind:
            .failure(APIError(.conflict, "cancel_elsewhere",
                              "a report's submission is stopped by the report's own actions (retract, withdraw), never by cancelling its job"))
        default:
            .failure(APIError(.conflict, "cancel_elsewhere", "\(kind) jobs are not cancelled by hand"))
        }
    }

    /// A queued import cancelled before it started never runs, so its spooled upload goes now.
    func cancel(_ context: VigilRequestContext) async throws -> Response {
        let jobID = try id(context)
        let kind = try await jobs.job(id: jobID).kind
        let permission = try Self.owner(ofKind: kind).get()
        guard context.role?.may(permission) == true else {
            throw APIError(.forbidden, "forbidden", "cancelling a \(kind) job needs the \(permission.rawValue) permission; this caller's role is "
                           + (context.role?.rawValue ?? "none"))
        }
        let job = try await jobs.cancel(id: jobID)
        if job.kind == BankImportJob.kind, job.state == .cancelled, job.attempts == 0,
           let payload = try? JobText.payload(BankImportJob.Payload.self, of: job) {
            try? FileManager.default.removeItem(atPath: payload.file)
        }
        return try JSONText.response(JobJSON(job))
    }

    func list(_ request: Request) async throws -> Response {
        let states = try request.queryStates("state", as: JobState.self)
        let kinds = request.query("kind").map { $0.split(separator: ",").map(String.init) }
        let limit = try request.queryInteger("limit", default: 100, in: 1...1000)
        return try JSONText.response(["jobs": try await jobs.list(kinds: kinds, states: states, limit: limit).map(JobJSON.init)])
    }
}
