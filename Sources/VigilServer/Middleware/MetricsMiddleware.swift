import Prometheus
import Lookup
import Hummingbird
import Synchronization

/// Counts every request by its route template (never the raw path, which would explode the label set).
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = VigilRequestContext
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        metrics.recordRequest(route: context.endpointPath ?? "unmatched", method: request.method.rawValue,
                              status: response.status.code, duration: start.duration(to: .now))
        return response
    }
}
