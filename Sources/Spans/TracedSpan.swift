public import Tracing

/// Spans as Vigil records them. A failure is marked by its error's type, never its words: an
/// error's description can hold an image's address, a service's reply, a credential's id or an
/// evidence digest, and a trace collector is not the place for them (swift-distributed-tracing's
/// `withSpan` records the description).
public enum TracedSpan {
    /// Runs `body` in a span (a child of `context`, else of the current trace).
    public static func run<T>(_ name: String, context: ServiceContext? = nil, ofKind kind: SpanKind = .internal,
                              _ body: (any Span) async throws -> T) async throws -> T {
        let span = startSpan(name, context: context ?? ServiceContext.current ?? .topLevel, ofKind: kind)
        defer { span.end() }
        do {
            return try await ServiceContext.$current.withValue(span.context) { try await body(span) }
        } catch {
            failed(span, error)
            throw error
        }
    }

    /// Marks `span` failed, naming the error's type only.
    public static func failed(_ span: any Span, _ error: any Error) {
        span.attributes["error.type"] = String(describing: type(of: error))
        span.setStatus(SpanStatus(code: .error))
    }
}
