public import Tracing

/// Trace headers as name–value pairs (`traceparent`, `tracestate`): what a job keeps of the trace
/// it was queued in, and the checked `traceparent` a caller sent. Names are matched without case.
public struct TraceHeaderPairs: Injector, Extractor {
    public init() {}

    public func inject(_ value: String, forKey key: String, into headers: inout [(String, String)]) {
        headers.removeAll { $0.0.lowercased() == key.lowercased() }
        headers.append((key, value))
    }

    public func extract(key: String, from headers: [(String, String)]) -> String? {
        headers.first { $0.0.lowercased() == key.lowercased() }?.1
    }
}
