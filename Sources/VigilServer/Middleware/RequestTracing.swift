import HTTPTypes
import Hummingbird
import Tracing

/// One server span per request, continuing the caller's trace when it sends one (W3C
/// `traceparent`); everything the request does (lookups, storage, the jobs it queues) is under
/// it. Hummingbird's TracingMiddleware records the path and query string, which here carry CSRF
/// tokens, image addresses and evidence digests: this records the route template, the method
/// and the status only.
struct RequestTracing: RouterMiddleware {
    typealias Context = VigilRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var parent = ServiceContext.current ?? .topLevel
        InstrumentationSystem.instrument.extract(request.headers, into: &parent, using: TraceHeaderReader())
        let span = startSpan("\(request.method.rawValue)", context: parent, ofKind: .server)
        span.attributes["http.request.method"] = request.method.rawValue
        func named() {
            let route = context.endpointPath ?? "unmatched"
            span.operationName = "\(request.method.rawValue) \(route)"
            span.attributes["http.route"] = route
        }
        do {
            let response = try await ServiceContext.$current.withValue(span.context) { try await next(request, context) }
            named()
            span.attributes["http.response.status_code"] = Int(response.status.code)
            if response.status.code >= 500 { span.setStatus(SpanStatus(code: .error)) }
            // Ends when the answer is ready, not written: an event stream would keep its span open for hours.
            span.end()
            return response
        } catch {
            named()
            span.attributes["http.response.status_code"] = Int((error as? any HTTPResponseError)?.status.code ?? 500)
            span.recordError(error)
            span.setStatus(SpanStatus(code: .error))
            span.end()
            throw error
        }
    }
}

/// Reads the trace's headers from a request's.
struct TraceHeaderReader: Extractor {
    func extract(key: String, from fields: HTTPFields) -> String? {
        HTTPField.Name(key).flatMap { fields[$0] }
    }
}
