import Basics
public import Cases
public import Foundation
public import Jobs
import Banks
import JSONValues
public import Logging

/// One call of a report's submission (`report.call` jobs). Each run makes at most one call to
/// the CyberTipline and commits what it learnt together with the job of the next call, so a
/// crash anywhere leaves a report that the next run resumes: the call under way is committed
/// before it is made, and a run that finds it still there knows the outcome is unknown.
public struct ReportCallJob: JobHandler {
    public static let jobKind = "report.call"
    public let kind = Self.jobKind
    /// Resumes from what is committed; a call whose answer was lost is recovered, not repeated blindly.
    public let safeToRepeat = true
    let store: any ReportStore
    let connector: any CyberTiplineConnector
    let documents: any CyberTiplineDocuments
    let closeOut: ReportCloseOut
    let media: EvidenceMediaService
    let clock: @Sendable () -> Date
    let logger: Logger
    /// Known failures in a row before the report waits for a person.
    let maxFailures: Int

    public init(store: any ReportStore, connector: any CyberTiplineConnector, documents: any CyberTiplineDocuments, cases: CaseService, media: EvidenceMediaService, maxFailures: Int = 8,
                clock: @escaping @Sendable () -> Date = { Date() }, logger: Logger = Logger(label: "vigil.reports")) {
        self.store = store
        self.connector = connector
        self.documents = documents
        self.closeOut = ReportCloseOut(cases: cases, media: media)
        self.media = media
        self.maxFailures = maxFailures
        self.clock = clock
        self.logger = logger
    }

    struct Payload: Codable { let report: Int64 }

    /// The job that makes a report's next call.
    public static func job(reportID: Int64, at time: Date) throws -> NewJob {
        NewJob(kind: jobKind, payload: try JobText.encode(Payload(report: reportID)), maxAttempts: 50, runAfter: time)
    }

    public func run(_ job: Job, context: JobContext) async throws -> String? {
        let payload = try JobText.payload(Payload.self, of: job)
        guard var report = try await store.report(id: payload.report) else { return try JobText.outcome("the report no longer exists") }
        guard report.jobID == job.id else { return try JobText.outcome("superseded by job \(report.jobID.map(String.init) ?? "none")") }
        if report.state == .finished {
            if !report.remote.closedOut { try await close(report, job: job) }
            return try JobText.outcome("finished")
        }
        guard report.state.isInProgress else { return try JobText.outcome("nothing to do (\(report.state.rawValue))") }
        // A case resolved as a false positive is not reported, whoever withdrew (or failed to
        // withdraw) the report: the decision may have committed just before its process died.
        if !report.retractRequested, try await closeOut.cases.isFalsePositive(try await closeOut.cases.detail(report.caseID).case) {
            report = try await commit(report.id, job: job) { report in
                report.retractRequested = true
                report.problem = nil
                report.state = SubmissionPlan.progressState(report)
                return [Self.line("retract_requested", ["reason": .string("case \(report.caseID) was resolved as a false positive")])]
            }
        }
        if let pending = report.remote.pendingCall { report = try await recover(report, from: pending, job: job) }
        if report.remote.restarts > SubmissionPlan.maxRestarts, !report.retractRequested {
            try await fail(report.id, job: job, ReportProblem(
                kind: .unavailable, message: "the report was started afresh \(report.remote.restarts) times (answers lost, or NCMEC no longer had it); retry when the CyberTipline is reachable again",
                during: SubmissionPlan.progressState(report)))
            return try JobText.outcome("failed")
        }
        if let expires = report.remote.expiresAt, clock() >= expires, !report.retractRequested {
            report = try await commit(report.id, job: job) { report in
                SubmissionPlan.startAfresh(&report, abandon: false)
                return [Self.line("expired", ["message": .string("NCMEC deletes an unfinished report at \(Timestamp.iso8601(expires)): submitted afresh")])]
            }
        }
        guard let call = SubmissionPlan.nextCall(report) else {
            // Asked to retract, and NCMEC has nothing of it: retracted here.
            _ = try await store.updateReport(id: report.id, at: clock(), fence: job.lease) { current in
                try Self.requireOwner(current, job)
                var updated = current
                updated.state = .retracted
                return ReportChange(updated: updated, history: [Self.line("retracted", ["message": "nothing had reached NCMEC"])],
                                    events: [updated.event(ReportEvents.retracted, actor: Self.actor)])
            }
            return try JobText.outcome("retracted")
        }
        return try await make(call, report: report, job: job)
    }

    /// The submission's job keeps dying: the report waits for a person, saying why.
    public func abandon(_ job: Job, reason: String, lease: JobLease) async throws {
        let payload = try JobText.payload(Payload.self, of: job)
        guard let report = try await store.report(id: payload.report), report.jobID == job.id, report.state.isInProgress else { return }
        try await fail(report.id, job: job, ReportProblem(kind: .unavailable, message: "the submission \(reason); retry once the cause is fixed",
                                                          during: SubmissionPlan.progressState(report)))
    }

    // MARK: one call

    func make(_ call: RemoteCall, report: Report, job: Job) async throws -> String? {
        let cyberTipline: any CyberTipline
        let request: PreparedCall
        do {
            cyberTipline = try await connector.connect(credentialID: report.credentialID)
            request = try await prepare(call, report)
        } catch {
            try await fail(report.id, job: job, ReportProblem(kind: .giveUp, message: "the \(call) cannot be made: \(error)", during: report.state))
            return try JobText.outcome("failed")
        }
        let marked = try await commit(report.id, job: job) { report in
            report.remote.pendingCall = call
            report.state = SubmissionPlan.progressState(report)
            // What the file's details say, kept with the report as it was sent.
            if case let .fileInfo(index) = call, let viewed = request.viewedByEsp { report.files[index].viewedByEsp = viewed }
            return []
        }
        let started = ContinuousClock.now
        let result: Result<CyberTiplineAnswer, CyberTiplineCallFailure>
        do {
            result = .success(try await perform(call, request, reportID: marked.remote.reportID, on: cyberTipline))
        } catch {
            result = .failure(error)
        }
        let elapsed = started.duration(to: .now)
        switch result {
        case let .failure(failure):
            return try await noAnswer(failure, call: call, report: marked, request: request, job: job)
        case let .success(answer):
            logger.info("CyberTipline answered", metadata: ["report": "\(report.id)", "call": "\(call.endpoint)", "code": "\(answer.code.map(String.init) ?? "none")",
                                                           "http_status": "\(answer.httpStatus)", "request_id": "\(answer.requestID ?? "none")"])
            return try await answered(answer, call: call, request: request, elapsed: elapsed, job: job, reportID: report.id)
        }
    }

    /// What a call sends, made before the call is marked: a file that cannot be read marks nothing.
    struct PreparedCall {
        var xml: String?
        var fileName: String?
        var bytes: [UInt8]?
        /// `fileViewedByEsp` as the file's details say it (from the reveal audit now).
        var viewedByEsp: Bool?
        var summary: [String: JSONValue]
    }

    func prepare(_ call: RemoteCall, _ report: Report) async throws -> PreparedCall {
        let now = clock()
        switch call {
        case .submit:
            let xml = documents.report(report.content, now: now)
            return PreparedCall(xml: xml, summary: ["xml": .string(xml)])
        case let .upload(index):
            let file = report.files[index]
            let bytes = try await media.original(file.mediaSHA256)
            let name = file.originalFileName ?? "evidence-\(file.evidenceID)"
            return PreparedCall(fileName: name, bytes: bytes,
                                summary: ["file": .string(name), "bytes": .number(Double(bytes.count)), "media_sha256": .string(file.mediaSHA256)])
        case let .fileInfo(index):
            guard let reportID = report.remote.reportID, let fileID = report.files[index].fileID else {
                throw ReportError.invalid("file \(index + 1) has no NCMEC file id")
            }
            var file = report.files[index]
            // Asked now, not when the report was drafted: a reveal since then is a view.
            file.viewedByEsp = try await media.viewedByEsp(file.mediaSHA256)
            let xml = documents.fileDetails(file, reportID: reportID, fileID: fileID, now: now)
            return PreparedCall(xml: xml, viewedByEsp: file.viewedByEsp, summary: ["xml": .string(xml)])
        case .finish, .retract:
            return PreparedCall(summary: [:])
        }
    }

    func perform(_ call: RemoteCall, _ request: PreparedCall, reportID: Int64?,
                 on cyberTipline: any CyberTipline) async throws(CyberTiplineCallFailure) -> CyberTiplineAnswer {
        switch call {
        case .submit: return try await cyberTipline.submit(request.xml ?? "")
        case .upload:
            guard let reportID, let bytes = request.bytes else { throw .notSent("no report id or no file to upload") }
            return try await cyberTipline.upload(reportID: reportID, fileName: request.fileName ?? "evidence", bytes: bytes)
        case .fileInfo: return try await cyberTipline.fileInfo(request.xml ?? "")
        case .finish:
            guard let reportID else { throw .notSent("no report id to finish") }
            return try await cyberTipline.finish(reportID: reportID)
        case let .retract(id): return try await cyberTipline.retract(reportID: id)
        }
    }
}
