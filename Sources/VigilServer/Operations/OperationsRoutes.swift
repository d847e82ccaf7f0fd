import Banks
import ContentHashing
import Access
import Foundation
import Hummingbird
import Logging
import NIOCore

/// Health, readiness, metrics and the API document.
struct OperationsRoutes {
    let hashingPool: ImageHashingPool
    let metrics: ServerMetrics
    let readiness: IndexReadiness
    let banks: BankService
    let readings: any OperationalReadings
    let logger: Logger

    func register(on routes: RouterGroup<VigilRequestContext>) {
        // HMA's probes: /status is 503 until the index is loaded; /status/live only says the process answers.
        routes.get("status") { _, _ in
            readiness.isReady ? Self.text("I-AM-ALIVE") : Self.text("INDEX-NOT-LOADED", status: .serviceUnavailable)
        }
        routes.get("status/live") { _, _ in Self.text("I-AM-ALIVE") }
        routes.get("status/ready") { _, _ in ready() }
        routes.get("openapi.json") { _, _ in try OpenAPIDocument.response() }
        routes.get("metrics") { _, _ in await exposition() }
    }

    static func text(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// Ready once the index has loaded; it stays ready while it follows the change log. The body
    /// says how far it has followed: the applied sequence, the newest one seen, and the lag.
    func ready() -> Response {
        let counts = banks.index.counts
        if let failure = readiness.loadError {
            return JSONText.response(#"{"ready":false,"reason":"# + JSONText.quote("index load failed: \(failure.prefix(300))") + "}",
                                     status: .serviceUnavailable)
        }
        guard readiness.isReady else { return JSONText.response(#"{"ready":false,"reason":"index loading"}"#, status: .serviceUnavailable) }
        let log = readiness.changeLogStatus
        return JSONText.response(#"{"ready":true,"index":{"pdq":\#(counts.pdq),"md5":\#(counts.md5),"sha256":\#(counts.sha256),"banks":\#(counts.banks)},"#
            + #""change_log":{"applied_sequence":\#(log.applied),"latest_sequence":\#(log.latest),"lag_changes":\#(log.latest - log.applied)}}"#)
    }

    /// The Prometheus exposition, its gauges read fresh. A database that cannot be read at a
    /// scrape is said (`vigil_metrics_database_readings_up 0`, and the log), not hidden: the
    /// rest of the exposition is still served.
    func exposition() async -> Response {
        let counts = banks.index.counts
        metrics.setIndexGauges(pdq: counts.pdq, md5: counts.md5, sha256: counts.sha256, banks: counts.banks, ready: readiness.isReady)
        let log = readiness.changeLogStatus
        metrics.setChangeLogGauges(applied: log.applied, latest: log.latest)
        do {
            let now = Date()
            metrics.setQueueGauges(try await readings.jobQueue(now: now))
            let evidence = try await readings.evidence()
            metrics.setEvidenceGauges(files: evidence.files, bytes: evidence.bytes)
            // Lag in time only once the index follows the log (before, everything is "behind").
            let oldest = readiness.isReady ? try await readings.oldestChange(after: log.applied) : nil
            metrics.setChangeLogLagSeconds(oldest.map { max(0, now.timeIntervalSince($0)) } ?? 0)
            metrics.setReadingsUp(true)
        } catch {
            metrics.setReadingsUp(false)
            logger.error("metrics could not read the database", metadata: ["error": "\(String(describing: error).prefix(300))"])
        }
        let allocator = await ProcessMemory.reading()
        metrics.setAllocatorGauges(inUse: allocator.inUse, held: allocator.held)
        if let budget = hashingPool.budget {
            let usage = budget.usage
            metrics.setDecodeMemoryGauges(inFlight: usage.inFlight, peak: usage.peak, budget: budget.capacity)
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: metrics.registry.emitToBuffer())))
    }
}
