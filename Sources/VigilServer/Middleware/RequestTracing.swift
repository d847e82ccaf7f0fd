import Spans
import HTTPTypes
import Hummingbird
import Tracing

/// One server span per authenticated API request; everything the request does (lookups,
/// storage, the jobs it queues) is under it. It runs after authentication, so only a key holder
/// or a trusted proxy can join Vigil's spans to a trace of its own, with one well-formed W3C
/// `traceparent` (anything else starts a new trace, unread and unlogged: the tracer would log
/// the whole header block, keys included, on a value it cannot parse; and `tracestate`, which a
/// client can make 80 KB long, is never taken). Hummingbird's TracingMiddleware records the path
/// and query string, which carry image addresses and evidence digests: this records the route
/// template, the method and the status. Requests without a key or a trusted proxy's word (health
/// probes, `/openapi.json`), metric scrapes and the dashboard are not traced.
struct RequestTracing: RouterMiddleware {
    typealias Context = VigilRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let authenticated = context.apiKey != nil || context.proxyRole != nil
        if !authenticated || path == "/metrics" || path.hasPrefix("/status") { return try await next(request, context) }
        var parent = ServiceContext.current ?? .topLevel
        let caller = Self.callerTrace(request.headers)
        if !caller.isEmpty { InstrumentationSystem.instrument.extract(caller, into: &parent, using: TraceHeaderPairs()) }
        let route = context.endpointPath ?? "unmatched"
        let span = startSpan("\(request.method.rawValue) \(route)", context: parent, ofKind: .server)
        defer { span.end() }
        span.attributes["http.request.method"] = request.method.rawValue
        span.attributes["http.route"] = route
        do {
            // Ends when the answer is ready, not written: an event stream would keep its span open for hours.
            let response = try await ServiceContext.$current.withValue(span.context) { try await next(request, context) }
            span.attributes["http.response.status_code"] = Int(response.status.code)
            if response.status.code >= 500 { span.setStatus(SpanStatus(code: .error)) }
            return response
        } catch {
            // A refusal (4xx) is an answer, not the server's failure: only a 5xx marks the span.
            let status = Int((error as? any HTTPResponseError)?.status.code ?? 500)
            span.attributes["http.response.status_code"] = status
            if status >= 500 { TracedSpan.failed(span, error) }
            throw error
        }
    }

    /// The caller's `traceparent` when there is exactly one and it is well formed (version 00).
    static func callerTrace(_ fields: HTTPFields) -> [(String, String)] {
        let values = fields[values: HTTPField.Name("traceparent")!]
        guard values.count == 1, let value = values.first, isTraceparent(value) else { return [] }
        return [("traceparent", value)]
    }

    /// `00-` 32 lowercase hex digits `-` 16 `-` 2, with neither id all zeros (which the tracer
    /// refuses, logging the value).
    static func isTraceparent(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard bytes.count == 55, bytes[0] == UInt8(ascii: "0"), bytes[1] == UInt8(ascii: "0") else { return false }
        guard bytes[3..<35].contains(where: { $0 != UInt8(ascii: "0") }), bytes[36..<52].contains(where: { $0 != UInt8(ascii: "0") }) else { return false }
        for (index, byte) in bytes.enumerated().dropFirst(2) {
            if index == 2 || index == 35 || index == 52 {
                guard byte == UInt8(ascii: "-") else { return false }
            } else {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte) else { return false }
            }
        }
        return true
    }
}
