public import Prometheus
public import Lookup
import Hummingbird
import Synchronization

/// The service's Prometheus metrics, on a registry the service owns (no global state, so every
/// test server has its own).
public final class ServerMetrics: LookupMetrics {
    public let registry: PrometheusCollectorRegistry
    let hashesComputed: Counter
    private let requestMetrics = Mutex<[RequestKey: (Counter, DurationHistogram)]>([:])
    private let lookupMetrics = Mutex<[String: (lookups: Counter, matched: Counter)]>([:])
    private let outcomeCounters = Mutex<[String: Counter]>([:])
    let eventCommits: DurationHistogram
    let eventsCommitted: Counter
    let eventTransactions: Counter

    struct RequestKey: Hashable {
        let route: String
        let method: String
        let status: Int
    }

    static let latencyBuckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .seconds(2.5), .seconds(5), .seconds(10),
    ]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        hashesComputed = registry.makeCounter(descriptor: .init(
            namespace: "vigil", metricName: "hashes_computed", unitName: "total", helpText: "Images decoded and hashed"))
        eventCommits = registry.makeDurationHistogram(descriptor: .init(
            namespace: "vigil", metricName: "lookup_event_commit_duration", unitName: "seconds",
            helpText: "Group commits of lookup events (every match), each before its lookups answer"), buckets: Self.latencyBuckets)
        eventsCommitted = registry.makeCounter(descriptor: .init(
            namespace: "vigil", metricName: "lookup_events_committed", unitName: "total", helpText: "Lookup events committed to the event table"))
        eventTransactions = registry.makeCounter(descriptor: .init(
            namespace: "vigil", metricName: "lookup_event_transactions", unitName: "total",
            helpText: "Transactions that wrote lookup events (several lookups' events share one under load)"))
    }

    func recordRequest(route: String, method: String, status: Int, duration: Duration) {
        let key = RequestKey(route: route, method: method, status: status)
        let (counter, histogram) = requestMetrics.withLock { cache in
            if let known = cache[key] { return known }
            let made = (
                registry.makeCounter(descriptor: .init(namespace: "vigil", metricName: "http_requests", unitName: "total",
                                                       helpText: "HTTP requests by route, method and status"),
                                     labels: [("route", route), ("method", method), ("status", String(status))]),
                registry.makeDurationHistogram(descriptor: .init(namespace: "vigil", metricName: "http_request_duration", unitName: "seconds",
                                                                 helpText: "HTTP request latency by route and method"),
                                               labels: [("route", route), ("method", method)], buckets: Self.latencyBuckets))
            cache[key] = made
            return made
        }
        counter.increment()
        histogram.record(duration)
    }

    public func recordHash() { hashesComputed.increment() }

    public func recordLookup(api: LookupAPI, matched: Bool) { recordLookup(api: api.rawValue, matched: matched) }

    /// One lookup through `api` (native, photodna, hma), and whether it matched.
    func recordLookup(api: String, matched: Bool) {
        let pair = lookupMetrics.withLock { cache in
            if let known = cache[api] { return known }
            let made = (
                registry.makeCounter(descriptor: .init(namespace: "vigil", metricName: "lookups", unitName: "total",
                                                       helpText: "Match lookups by API"), labels: [("api", api)]),
                registry.makeCounter(descriptor: .init(namespace: "vigil", metricName: "matches", unitName: "total",
                                                       helpText: "Lookups that matched at least one bank, by API"), labels: [("api", api)]))
            cache[api] = made
            return made
        }
        pair.lookups.increment()
        if matched { pair.matched.increment() }
    }

    func setIndexGauges(pdq: Int, md5: Int, sha256: Int, banks: Int, ready: Bool) {
        for (signal, count) in [("pdq", pdq), ("md5", md5), ("sha256", sha256)] {
            registry.makeGauge(descriptor: .init(namespace: "vigil", metricName: "index_signals", unitName: "count",
                                                 helpText: "Signals in the in-memory match index"),
                               labels: [("signal", signal)]).set(to: Double(count))
        }
        registry.makeGauge(descriptor: .init(namespace: "vigil", metricName: "index_banks", unitName: "count",
                                             helpText: "Banks known to the match index")).set(to: Double(banks))
        registry.makeGauge(descriptor: .init(namespace: "vigil", metricName: "index_ready", unitName: "bool",
                                             helpText: "1 once the index has loaded")).set(to: ready ? 1 : 0)
    }

    func setDecodeMemoryGauges(inFlight: Int, peak: Int, budget: Int) {
        for (kind, bytes) in [("in_flight", inFlight), ("peak", peak), ("budget", budget)] {
            registry.makeGauge(descriptor: .init(namespace: "vigil", metricName: "decode_memory", unitName: "bytes",
                                                 helpText: "Decoding memory admitted for images being hashed: now, at most so far, and the budget"),
                               labels: [("kind", kind)]).set(to: Double(bytes))
        }
    }

    func setAllocatorGauges(inUse: Int, held: Int) {
        for (kind, bytes) in [("in_use", inUse), ("held", held)] {
            registry.makeGauge(descriptor: .init(namespace: "vigil", metricName: "malloc_memory", unitName: "bytes",
                                                 helpText: "The C allocator's memory: in use by the process, and the address space it "
                                                     + "holds (in use plus freed memory kept for reuse; pages a trim handed back are not resident)"),
                               labels: [("kind", kind)]).set(to: Double(bytes))
        }
    }

    func setChangeLogGauges(applied: Int64, latest: Int64) {
        registry.makeGauge(descriptor: .init(namespace: "vigil", metricName: "change_log_applied_sequence", unitName: "",
                                             helpText: "The change-log sequence this process's index reflects")).set(to: Double(applied))
        registry.makeGauge(descriptor: .init(namespace: "vigil", metricName: "change_log_lag", unitName: "changes",
                                             helpText: "Changes written to the log that this index has not applied yet"))
            .set(to: Double(max(0, latest - applied)))
    }

    /// Makes these counters at 0 now, so an alert sees their first increase (a series that first
    /// appears at 1 shows no increase to Prometheus).
    public func declareOutcomes(_ what: OutcomeCounter, kinds: [String], outcomes: [String]) {
        for kind in kinds {
            for outcome in outcomes { _ = outcomeCounter(what, kind: kind, outcome: outcome) }
        }
    }

    /// One outcome of something asynchronous: a job by its kind, a workflow run by its trigger,
    /// a webhook delivery by its event type; each by how it ended.
    public func recordOutcome(_ what: OutcomeCounter, kind: String, outcome: String) {
        outcomeCounter(what, kind: kind, outcome: outcome).increment()
    }

    private func outcomeCounter(_ what: OutcomeCounter, kind: String, outcome: String) -> Counter {
        let key = "\(what.rawValue)/\(kind)/\(outcome)"
        let counter = outcomeCounters.withLock { cache in
            if let known = cache[key] { return known }
            let made = registry.makeCounter(descriptor: .init(namespace: "vigil", metricName: what.rawValue, unitName: "total", helpText: what.help),
                                            labels: [("kind", kind), ("outcome", outcome)])
            cache[key] = made
            return made
        }
        return counter
    }

    /// One transaction of the group commit.
    package func recordEventTransaction() { eventTransactions.increment() }

    /// Timings of the group commits that write lookup events before the lookups answer.
    func recordEventCommit(events: Int, duration: Duration) {
        eventCommits.record(duration)
        eventsCommitted.increment(by: Int64(events))
    }
}

/// What `ServerMetrics.recordOutcome` counts.
public enum OutcomeCounter: String, Sendable {
    case jobs = "jobs_finished", runs = "workflow_runs_finished", deliveries = "webhook_deliveries"
    case connections = "connections_closed"

    var help: String {
        switch self {
        case .jobs: "Jobs finished, by kind and outcome (succeeded, failed, retry, cancelled)"
        case .runs: "Workflow runs finished, by trigger and outcome (succeeded, failed, cancelled)"
        case .deliveries: "Webhook delivery attempts, by event type and outcome (delivered, retry, failed)"
        case .connections: "Connections the server closed on a client, by why (silent, slow_headers, slow_body, body_after_answer, per_address)"
        }
    }
}
