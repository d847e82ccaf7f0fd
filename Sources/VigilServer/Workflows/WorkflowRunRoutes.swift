import Banks
import Foundation
import HTTPTypes
import Hummingbird
import JSONValues
import Workflows

/// Runs: started by `POST /v1/workflows/{id}/runs` (the body is the trigger's parameters; the
/// same `Idempotency-Key` returns the same run), listed by workflow, status and time, read with
/// every step's input, output, timing, attempts and error, re-run and cancelled.
struct WorkflowRunRoutes {
    let workflows: WorkflowService
    let settings: ServerSettings
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!


    func register(on routes: RouterGroup<VigilRequestContext>) {
        routes.post("workflows/{id}/runs") { request, context in
            let id = try WorkflowRoutes.reference(context)
            let body = try await request.collectJSON(limit: settings.maxJSONBytes)
            let input = body.readableBytes == 0 ? [:] : try JSONInput.object(from: body)
            let key = request.headers[Self.idempotencyKey]
            let started = try await workflows.start(id, input: input, idempotencyKey: key)
            var response = try JSONText.response(WorkflowRunJSON(started.run), status: started.created ? .created : .ok)
            if !started.created { response.headers[Self.idempotentReplayed] = "true" }
            return response
        }
        routes.get("workflows/{id}/runs") { request, context in
            let workflow = try await workflows.workflow(try WorkflowRoutes.reference(context))
            return try await list(request, workflowID: workflow.id)
        }
        routes.get("workflow-runs") { request, _ in try await list(request, workflowID: nil) }
        routes.get("workflow-runs/{run}") { _, context in
            let id = try runID(context)
            let run = try await workflows.run(id)
            return try JSONText.response(WorkflowRunJSON(run, steps: try await workflows.steps(of: id)))
        }
        routes.post("workflow-runs/{run}/cancel") { _, context in
            try JSONText.response(WorkflowRunJSON(try await workflows.cancel(try runID(context))))
        }
        routes.post("workflow-runs/{run}/rerun") { _, context in
            try JSONText.response(WorkflowRunJSON(try await workflows.rerun(try runID(context))), status: .created)
        }
    }

    func runID(_ context: VigilRequestContext) throws -> Int64 {
        guard let id = Int64(try context.parameters.require("run")), id > 0 else { throw APIError.badRequest("run id must be a positive integer") }
        return id
    }

    func list(_ request: Request, workflowID: String?) async throws -> Response {
        let statuses = try request.queryStates("status", as: RunStatus.self)
        let before = try request.queryInteger("before", default: 0, in: 0...Int.max)
        let limit = try request.queryInteger("limit", default: 50, in: 1...1000)
        let runs = try await workflows.runs(RunFilter(workflowID: workflowID, statuses: statuses, since: try request.queryTime("since"), until: try request.queryTime("until"),
                                                      before: before > 0 ? Int64(before) : nil, limit: limit))
        return try JSONText.response(RunPage(runs: runs.map { WorkflowRunJSON($0) }, nextBefore: runs.count == limit ? runs.last?.id : nil))
    }
}

struct RunPage: Encodable {
    let runs: [WorkflowRunJSON]
    let nextBefore: Int64?

    enum CodingKeys: String, CodingKey {
        case runs
        case nextBefore = "next_before"
    }
}
