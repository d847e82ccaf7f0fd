import Spans
public import Tracing

/// The trace a job was queued in, carried through the queue. A job runs later, perhaps on
/// another replica, and its span continues the trace of the request that queued it, so a
/// workflow run's steps are seen under the request that started the run.
///
/// The carrier is the propagator's own headers (W3C `traceparent` and `tracestate`), one
/// `name=value` per line: header names hold no `=` and values no line break.
public enum JobTrace {
    /// A carrier longer than this is not kept: a client's `tracestate` is not stored per job
    /// without bound.
    static let maximumLength = 1024

    /// The current task's trace as a carrier; nil when tracing is off or there is no trace.
    public static func current() -> String? {
        guard let context = ServiceContext.current else { return nil }
        var headers: [(String, String)] = []
        InstrumentationSystem.instrument.inject(context, into: &headers, using: TraceHeaderPairs())
        guard !headers.isEmpty else { return nil }
        let text = headers.map { "\($0.0)=\($0.1)" }.joined(separator: "\n")
        return text.utf8.count <= maximumLength ? text : nil
    }

    /// Runs `body` in the carried trace (a new one when nothing is carried): what it queues
    /// continues that trace.
    public static func continuing<Result>(_ carried: String?, _ body: () async throws -> Result) async rethrows -> Result {
        try await ServiceContext.withValue(context(carried)) { try await body() }
    }

    /// The context a job's span continues: the carried trace, or a new one.
    public static func context(_ carried: String?) -> ServiceContext {
        var context = ServiceContext.topLevel
        guard let carried, !carried.isEmpty else { return context }
        let headers: [(String, String)] = carried.split(separator: "\n").compactMap { line -> (String, String)? in
            let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { return nil }
            return (String(parts[0]), String(parts[1]))
        }
        InstrumentationSystem.instrument.extract(headers, into: &context, using: TraceHeaderPairs())
        return context
    }
}
