import Foundation
import Prometheus

/// The metrics of issue 32: the queue, workflow steps and runs, outbound calls, evidence and the
/// follower's lag in time. Counters and histograms are made once per label set (the registry
/// hands back the same one for the same name and labels).
extension ServerMetrics {
    static let slowBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5),
        .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(300), .seconds(900), .seconds(3600),
    ]

    /// A request that left through the outbound gate: who sent it, its status class or `error`,
    /// and the time to its answer's head.
    public func recordOutbound(integration: String, outcome: String, duration: Duration) {
        registry.makeCounter(descriptor: .init(namespace: "vigil", metricName: "outbound_requests", unitName: "total",
                                               helpText: "Requests sent through the outbound gate, by integration and outcome (2xx…5xx, error)"),
                             labels: [("integration", integration), ("outcome", outcome)]).increment()
        registry.makeDurationHistogram(descriptor: .init(namespace: "vigil", metricName: "outbound_request_duration", unitName: "seconds",
                                                         helpText: "Time to the answer of requests sent through the outbound gate, by integration"),
                                       labels: [("integration", integration)], buckets: Self.latencyBuckets).record(duration)
    }

    /// One workflow step ended (succeeded, failed, or failed and retrying), by its action.
    public func recordStep(action: String, outcome: String, duration: Duration) {
        registry.makeCounter(descriptor: .init(namespace: "vigil", metricName: "workflow_steps_finished", unitName: "total",
                                               helpText: "Workflow step attempts by action and outcome (succeeded, failed, retrying)"),
                             labels: [("action", action), ("outcome", outcome)]).increment()
        registry.makeDurationHistogram(descriptor: .init(namespace: "vigil", metricName: "workflow_step_duration", unitName: "seconds",
                                                         helpText: "Workflow step attempts' durations, by action"),
                                       labels: [("action", action)], buckets: Self.slowBuckets).record(duration)
    }

    /// A workflow run finished: from its creation to its end, by trigger.
    public func recordRunDuration(kind: String, duration: Duration) {
        registry.makeDurationHistogram(descriptor: .init(namespace: "vigil", metricName: "workflow_run_duration", unitName: "seconds",
                                                         helpText: "Workflow runs from creation to their end, by trigger"),
                                       labels: [("kind", kind)], buckets: Self.slowBuckets).record(duration)
    }

    func setQueueGauges(_ readings: [JobQueueReading]) {
        for reading in readings {
            for (state, count) in [("queued", reading.queued), ("running", reading.running)] {
                registry.makeGauge(descriptor: .init(namespace: "vigil", metricName: "job_queue_depth", unitName: "jobs",
                                                     helpText: "Jobs queued (due or scheduled) and running, by kind"),
                                   labels: [("kind", reading.kind), ("state", state)]).set(to: Double(count))
            }
            registry.makeGauge(descriptor: .init(namespace: "vigil", metricName: "job_oldest_due_age", unitName: "seconds",
                                                 helpText: "How long the oldest due queued job of each kind has waited (0: none waits)"),
                               labels: [("kind", reading.kind)]).set(to: reading.oldestDueSeconds)
        }
    }

    func setEvidenceGauges(files: Int64, bytes: Int64) {
        registry.makeGauge(descriptor: .init(namespace: "vigil", metricName: "evidence", unitName: "bytes",
                                             helpText: "Evidence held (not purged): original bytes")).set(to: Double(bytes))
        registry.makeGauge(descriptor: .init(namespace: "vigil", metricName: "evidence_files", unitName: "count",
                                             helpText: "Evidence files held (not purged)")).set(to: Double(files))
    }

    func setChangeLogLagSeconds(_ seconds: Double) {
        registry.makeGauge(descriptor: .init(namespace: "vigil", metricName: "change_log_lag", unitName: "seconds",
                                             helpText: "Age of the oldest change this index has not applied (0: none)")).set(to: seconds)
    }

    /// 0 when a scrape could not read the database: the database-read gauges keep their last
    /// values, and this says they are stale.
    func setReadingsUp(_ up: Bool) {
        registry.makeGauge(descriptor: .init(namespace: "vigil", metricName: "metrics_database_readings_up", unitName: "bool",
                                             helpText: "1 when this scrape read the queue, evidence and lag from the database")).set(to: up ? 1 : 0)
    }
}
