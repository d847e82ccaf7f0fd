import Jobs
import Basics
import Banks
import Cases
import Events
import Foundation
import Hummingbird
import Reports
import Workflows

/// Home: lookups and matches over time, open cases per queue, time to decision, report states
/// and webhook delivery failures, over a chosen range; each chart drawn here as SVG.
struct HomePage {
    let kit: PageKit
    let jobs: JobQueue
    let workflows: WorkflowService
    let cases: CaseService
    let webhooks: WebhookService
    let reports: ReportService
    let tally: LookupTally

    enum Range: String, CaseIterable {
        case day = "24h", week = "7d", month = "30d"
        var hours: Int { switch self { case .day: 24; case .week: 168; case .month: 720 } }
        /// Bars of one hour for a day, of a day beyond.
        var bucketHours: Int { self == .day ? 1 : 24 }
    }

    func register(on pages: RouterGroup<VigilRequestContext>) {
        pages.get("") { request, context in
            let range = Range(rawValue: request.uri.queryParameters.get("range") ?? "") ?? .day
            let role = context.role
            var charts: [[String: Any]] = []
            let now = Date()
            if role?.may(.readBanks) == true || role?.may(.lookup) == true {
                try? await tally.flush()
                charts.append(try await lookups(range, now: now))
            }
            var health: Any = false
            if role?.may(.readCases) == true {
                health = try await queueHealth(now: cases.now)
                charts.append(try await openCases())
                charts.append(try await timeToDecision(range, now: now))
            }
            if role?.may(.readReports) == true { charts.append(try await reportStates()) }
            if role?.may(.manageWebhooks) == true { charts.append(try await webhookFailures(range, now: now)) }
            let since = now.addingTimeInterval(-Double(range.hours) * 3600)
            var failures: [String: Any] = [:]
            if role?.may(.readWorkflows) == true { failures["runs"] = try await failedRuns(since: since) }
            if role?.may(.administer) == true { failures["jobs"] = try await failedJobs(since: since) }
            let data: [String: Any] = [
                "charts": charts,
                "queueHealth": health,
                "failures": failures.isEmpty ? false : failures,
                "ranges": Range.allCases.map { ["value": $0.rawValue, "current": $0 == range] },
                "range": range.rawValue,
            ]
            return kit.page("home", title: "Home", section: "home", data: data, request, context)
        }
    }

    /// Workflow runs that failed in the range: the newest, with their workflow and why.
    func failedRuns(since: Date) async throws -> [String: Any] {
        let runs = try await workflows.runs(RunFilter(statuses: [.failed], since: since, limit: 200))
        let names = Dictionary(try await workflows.list().map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        return ["count": runs.count == 200 ? "200 or more" : String(runs.count), "none": runs.isEmpty,
                "items": runs.prefix(10).map { run in
                    ["id": run.id, "workflow": names[run.workflowID] ?? run.workflowID, "error": run.error ?? "no reason recorded",
                     "at": Display.time(run.finishedAt ?? run.updatedAt)] as [String: Any]
                }]
    }

    /// Jobs that failed in the range (imports, syncs, deliveries, report calls, runs).
    func failedJobs(since: Date) async throws -> [String: Any] {
        let jobs = try await jobs.failed(since: since, limit: 200)
        return ["count": jobs.count == 200 ? "200 or more" : String(jobs.count), "none": jobs.isEmpty,
                "items": jobs.prefix(10).map { job in
                    ["id": job.id, "kind": job.kind, "error": job.error ?? "no reason recorded", "at": Display.time(job.finishedAt ?? job.updatedAt)] as [String: Any]
                }]
    }

    static func chart(_ chart: SVGChart, note: String? = nil) -> [String: Any] {
        var data: [String: Any] = ["title": chart.title, "svg": chart.render(), "summary": chart.summary]
        if let note { data["note"] = note }
        return data
    }

    func lookups(_ range: Range, now: Date) async throws -> [String: Any] {
        let start = now.addingTimeInterval(-Double(range.hours - 1) * 3600)
        let hours = Dictionary(try await tally.hours(from: start, to: now).map { ($0.hour, $0) }, uniquingKeysWith: { first, _ in first })
        let first = HourCount.hour(of: start), buckets = range.hours / range.bucketHours
        var labels: [String] = [], lookups: [Double] = [], matches: [Double] = []
        for bucket in 0..<buckets {
            let from = first + Int64(bucket * range.bucketHours)
            let counts = (0..<range.bucketHours).compactMap { hours[from + Int64($0)] }
            lookups.append(Double(counts.reduce(0) { $0 + $1.lookups }))
            matches.append(Double(counts.reduce(0) { $0 + $1.matches }))
            let text = Timestamp.iso8601(HourCount(hour: from).start)
            labels.append(range == .day ? String(text.dropFirst(11).prefix(2)) + "h" : String(text.dropFirst(5).prefix(5)))
        }
        let title = range == .day ? "Lookups and matches per hour (UTC)" : "Lookups and matches per day (UTC)"
        return Self.chart(SVGChart(title: title, labels: labels, series: [
            .init(name: "lookups", values: lookups, style: "s1"), .init(name: "matches", values: matches, style: "s2"),
        ]), note: "\(Int(lookups.reduce(0, +))) lookups, \(Int(matches.reduce(0, +))) matches")
    }

    /// Each queue's open cases, how long the oldest has waited, its SLA and the cases past it.
    func queueHealth(now: Date) async throws -> [String: Any] {
        let queues = try await cases.queueHealth()
        let breaches = queues.reduce(0) { $0 + $1.breaches }
        return [
            "queues": queues.map { queue -> [String: Any] in
                return ["queue": queue.queue, "open": queue.open, "unassigned": queue.unassigned,
                        "href": "/cases?" + CasePages.query(["queue": queue.queue, "sort": CaseSort.oldest.rawValue]),
                        "oldest": queue.oldestOpenAt.map { Display.duration(max(0, now.timeIntervalSince($0))) } ?? "—",
                        "sla": queue.sla.map { Display.duration(Double($0.minutes) * 60) } ?? "none",
                        "breaches": queue.breaches, "breached": queue.breaches > 0]
            },
            "none": queues.isEmpty,
            "breached": breaches > 0,
            "breachText": breaches == 0 ? "No open case is past its SLA." : "\(breaches) open case\(breaches == 1 ? " is" : "s are") past the SLA.",
        ]
    }

    func openCases() async throws -> [String: Any] {
        let queues = try await cases.queueCounts().sorted { $0.queue < $1.queue }
        return Self.chart(SVGChart(title: "Open cases per queue", labels: queues.map(\.queue), series: [
            .init(name: "open", values: queues.map { Double($0.open) }, style: "s1"),
            .init(name: "unassigned", values: queues.map { Double($0.unassigned) }, style: "s3"),
        ]), note: queues.isEmpty ? "No open cases." : nil)
    }

    func timeToDecision(_ range: Range, now: Date) async throws -> [String: Any] {
        let since = now.addingTimeInterval(-Double(range.hours) * 3600)
        let cases = try await cases.list(CaseFilter(createdAfter: since.addingTimeInterval(-30 * 86400), limit: 1000))
        let waits = cases.compactMap { item in item.resolvedAt.flatMap { $0 >= since ? $0.timeIntervalSince(item.createdAt) : nil } }.sorted()
        let buckets: [(String, ClosedRange<Double>)] = [("< 1 h", 0...3599), ("1-4 h", 3600...14_399), ("4-24 h", 14_400...86_399),
                                                         ("1-3 d", 86_400...259_199), ("> 3 d", 259_200...Double.greatestFiniteMagnitude)]
        let counts = buckets.map { bucket in Double(waits.filter { bucket.1.contains($0) }.count) }
        let median = waits.isEmpty ? nil : waits[waits.count / 2]
        return Self.chart(SVGChart(title: "Time to decision (cases decided in the range)", labels: buckets.map(\.0),
                                   series: [.init(name: "cases", values: counts, style: "s1")]),
                          note: median.map { "Median \(Display.duration($0)) over \(waits.count) cases." } ?? "No case was decided in the range.")
    }

    func reportStates() async throws -> [String: Any] {
        let reports = try await reports.list(ReportFilter(limit: 1000))
        let states = ReportState.allCases.filter { state in reports.contains { $0.state == state } }
        return Self.chart(SVGChart(title: "NCMEC reports by state", labels: states.map { Display.words($0.rawValue) },
                                   series: [.init(name: "reports", values: states.map { state in Double(reports.filter { $0.state == state }.count) }, style: "s2")]),
                          note: reports.isEmpty ? "No reports yet." : nil)
    }

    func webhookFailures(_ range: Range, now: Date) async throws -> [String: Any] {
        let since = now.addingTimeInterval(-Double(range.hours) * 3600)
        var labels: [String] = [], failed: [Double] = [], pending: [Double] = []
        for subscription in try await webhooks.list() {
            let deliveries = try await webhooks.deliveries(subscription.id, states: [.failed, .pending], before: nil, limit: 1000)
                .filter { $0.updatedAt >= since }
            labels.append("#\(subscription.id)")
            failed.append(Double(deliveries.filter { $0.state == .failed }.count))
            pending.append(Double(deliveries.filter { $0.state == .pending }.count))
        }
        return Self.chart(SVGChart(title: "Webhook deliveries failed or waiting, per subscription", labels: labels, series: [
            .init(name: "failed", values: failed, style: "s2"), .init(name: "pending", values: pending, style: "s3"),
        ]), note: labels.isEmpty ? "No webhook subscriptions." : nil)
    }
}
