import Basics
import Cases
import Events
import Foundation
import Jobs
import JSONValues

/// What a report call's answer, or its missing answer, does to the report.
extension ReportCallJob {
    func answered(_ answer: CyberTiplineAnswer, call: RemoteCall, request: PreparedCall, elapsed: Duration, job: Job,
                  reportID: Int64) async throws -> String? {
        let now = clock()
        var detail = request.summary
        detail["call"] = .string(call.endpoint)
        detail["http_status"] = .number(Double(answer.httpStatus))
        detail["code"] = answer.code.map { .number(Double($0)) } ?? .null
        detail["description"] = answer.description.map(JSONValue.string) ?? .null
        detail["request_id"] = answer.requestID.map(JSONValue.string) ?? .null
        detail["response"] = .string(answer.body)
        detail["elapsed_ms"] = .number(Double(elapsed.wholeMilliseconds))
        let sent = detail
        let handling = ResponseCode.handling(of: answer)
        let codeText = answer.code.map { "\($0) (\(answer.description ?? ResponseCode.meaning($0)))" } ?? "none, HTTP \(answer.httpStatus)"
        let saved = try await store.updateReport(id: reportID, at: now, fence: job.lease) { current in
            try Self.requireOwner(current, job)
            var report = current
            report.remote.pendingCall = nil
            var history = [Self.line("call", sent)]
            var events: [NewEvent] = []
            var queue = true
            func stop(_ kind: ReportProblem.Kind, _ message: String) {
                report.problem = ReportProblem(kind: kind, message: message, code: answer.code, during: SubmissionPlan.progressState(report))
                report.state = .failed
                history.append(Self.line("failed", ["message": .string(message)]))
                events.append(report.event(ReportEvents.failed, actor: Self.actor, ["message": .string(message)]))
                queue = false
            }
            func finished(note: String?) {
                report.state = .finished
                report.finishedAt = now
                report.remote.receipt = answer.body
                report.problem = nil
                history.append(Self.line("finished", ["ncmec_report_id": report.remote.reportID.map { .number(Double($0)) } ?? .null,
                                                      "message": note.map(JSONValue.string) ?? .null]))
                events.append(report.event(EventTypes.reportSubmitted, actor: Self.actor, ["ncmec_report_id": report.remote.reportID.map { .number(Double($0)) } ?? .null]))
            }
            func retracted(_ id: Int64) {
                if id == report.remote.reportID {
                    report.state = .retracted
                    history.append(Self.line("retracted", ["ncmec_report_id": .number(Double(id))]))
                    events.append(report.event(ReportEvents.retracted, actor: Self.actor, ["ncmec_report_id": .number(Double(id))]))
                    queue = false
                } else {
                    report.remote.abandoned.removeAll { $0 == id }
                }
            }
            switch (handling, call) {
            case (.success, .submit):
                guard let id = answer.reportID else {
                    stop(.giveUp, "NCMEC answered the submission with code 0 but no reportId")
                    break
                }
                report.remote.reportID = id
                report.remote.openedAt = now
                report.remote.modifiedAt = now
            case let (.success, .upload(index)):
                guard let fileID = answer.fileID else {
                    stop(.giveUp, "NCMEC answered the upload of file \(index + 1) with code 0 but no fileId")
                    break
                }
                report.files[index].fileID = fileID
                report.files[index].receivedMD5 = answer.hash
                report.remote.modifiedAt = now
                if let sent = report.files[index].md5, let received = answer.hash, sent.lowercased() != received.lowercased() {
                    history.append(Self.line("warning", ["message": .string("NCMEC's MD5 of file \(index + 1) is \(received), the file's is \(sent)")]))
                }
            case let (.success, .fileInfo(index)):
                report.files[index].detailsSent = true
                report.remote.modifiedAt = now
            case (.success, .finish):
                finished(note: nil)
            case let (.success, .retract(id)), let (.alreadyRetracted, .retract(id)):
                retracted(id)
            case (.alreadyFinished, _):
                // Filed already (an earlier finish whose answer was lost): never sent again.
                finished(note: "NCMEC answered \(codeText): the report was already finished")
            case let (.recreate, .retract(id)):
                retracted(id)
            case (.recreate, _):
                SubmissionPlan.startAfresh(&report, abandon: false)
                history.append(Self.line("recreated", ["message": .string("NCMEC answered \(codeText): it no longer has the report; submitted afresh")]))
            case (.retry, _):
                report.remote.failures += 1
                if report.remote.failures >= maxFailures {
                    stop(.unavailable, "NCMEC answered \(codeText) to the \(call) \(report.remote.failures) times in a row; retry later")
                } else {
                    queue = false
                }
            case (.fix, _):
                stop(.fix, "NCMEC refused the \(call): \(codeText). Edit the report and approve it again.")
            case (.alreadyRetracted, _):
                stop(.giveUp, "NCMEC answered \(codeText): the report was retracted at NCMEC")
            case (.giveUp, _):
                stop(.giveUp, "NCMEC refused the \(call): \(codeText). Check the credential and the account's permissions, then retry.")
            }
            if handling != .retry { report.remote.failures = 0 }
            if report.state.isInProgress { report.state = SubmissionPlan.progressState(report) }
            return ReportChange(updated: report, history: history, events: events, queueNextCall: queue)
        }
        if handling == .retry, saved.state != .failed {
            // The same job tries again after the backoff: it keeps its place as the report's job.
            let delay = Self.backoff(failures: saved.remote.failures, before: saved.remote.expiresAt, now: now)
            throw JobPostponed(until: now.addingTimeInterval(delay), reason: "NCMEC answered \(codeText) to the \(call)")
        }
        return try JobText.encode(CallResult(call: call.endpoint, code: answer.code, state: saved.state.rawValue))
    }

    /// No answer. Not sent: nothing happened at NCMEC, try again. Unknown: the call stays
    /// marked, and the next run recovers from it as from a crash.
    func noAnswer(_ failure: CyberTiplineCallFailure, call: RemoteCall, report: Report, request: PreparedCall, job: Job) async throws -> String? {
        let now = clock()
        var detail = request.summary
        detail["call"] = .string(call.endpoint)
        detail["error"] = .string(failure.description)
        let sent = detail
        let saved = try await store.updateReport(id: report.id, at: now, fence: job.lease) { current in
            try Self.requireOwner(current, job)
            var updated = current
            updated.remote.failures += 1
            if case .notSent = failure { updated.remote.pendingCall = nil }
            var history = [Self.line("call", sent)]
            var events: [NewEvent] = []
            if updated.remote.failures >= maxFailures {
                let message = "the CyberTipline did not answer the \(call) \(updated.remote.failures) times in a row (\(failure)); retry later"
                updated.problem = ReportProblem(kind: .unavailable, message: message, during: SubmissionPlan.progressState(updated))
                updated.state = .failed
                history.append(Self.line("failed", ["message": .string(message)]))
                events.append(updated.event(ReportEvents.failed, actor: Self.actor, ["message": .string(message)]))
            }
            return ReportChange(updated: updated, history: history, events: events)
        }
        guard saved.state != .failed else { return try JobText.outcome("failed") }
        let delay = Self.backoff(failures: saved.remote.failures, before: saved.remote.expiresAt, now: now)
        throw JobPostponed(until: now.addingTimeInterval(delay), reason: failure.description)
    }

    /// A run found a call marked but not answered: it stopped mid-call, and whether NCMEC acted
    /// on it is unknown. A submission is made afresh (NCMEC deletes the other, unfinished, if it
    /// arrived); a report that may hold a file twice or miss its details is retracted and
    /// submitted afresh, so the report NCMEC keeps holds every file exactly once; a finish or
    /// a retraction is simply made again (NCMEC answers 5102 or 5101 if it was done).
    func recover(_ report: Report, from pending: RemoteCall, job: Job) async throws -> Report {
        try await commit(report.id, job: job) { report in
            report.remote.pendingCall = nil
            let message: String
            switch pending {
            case .submit:
                message = "the answer to the submission was lost: submitted afresh (NCMEC deletes an unfinished report, so the other is never filed)"
            case .upload, .fileInfo:
                let old = report.remote.reportID.map(String.init) ?? "none"
                SubmissionPlan.startAfresh(&report, abandon: true)
                message = "the answer to the \(pending) was lost: NCMEC report \(old) is retracted and the report submitted afresh"
            case .finish, .retract:
                message = "the answer to the \(pending) was lost: it is made again"
            }
            return [Self.line("recovered", ["call": .string(pending.endpoint), "message": .string(message)])]
        }
    }

    /// After the finish: the case and its evidence follow, then the report is closed out.
    func close(_ report: Report, job: Job) async throws {
        try await closeOut.run(report, actor: Self.actor)
        _ = try await store.updateReport(id: report.id, at: clock(), fence: job.lease) { current in
            try Self.requireOwner(current, job)
            var updated = current
            updated.remote.closedOut = true
            return ReportChange(updated: updated, history: [Self.line("closed_out", [
                "message": .string("case \(current.caseID) marked reported; its evidence preserved for \(ReportCloseOut.preservationDays) days"),
            ])])
        }
    }

    func fail(_ id: Int64, job: Job, _ problem: ReportProblem) async throws {
        _ = try await store.updateReport(id: id, at: clock(), fence: job.lease) { current in
            try Self.requireOwner(current, job)
            var updated = current
            updated.state = .failed
            updated.problem = problem
            return ReportChange(updated: updated, history: [Self.line("failed", ["message": .string(problem.message)])],
                                events: [updated.event(ReportEvents.failed, actor: Self.actor, ["message": .string(problem.message)])])
        }
    }

    /// A change by this job's run that makes no call (history lines only, no next job).
    func commit(_ id: Int64, job: Job, _ change: @escaping @Sendable (inout Report) -> [NewHistoryEntry]) async throws -> Report {
        try await store.updateReport(id: id, at: clock(), fence: job.lease) { current in
            try Self.requireOwner(current, job)
            var updated = current
            let history = change(&updated)
            return ReportChange(updated: updated, history: history)
        }
    }

    /// What a call's job result says: which call, NCMEC's code, the report's state after it.
    struct CallResult: Encodable {
        let call: String
        let code: Int?
        let state: String
    }

    static func requireOwner(_ report: Report, _ job: Job) throws {
        guard report.jobID == job.id else { throw JobError.leaseLost(job.id) }
    }

    /// Who the submission's lines and events name.
    static let actor = "system:reports"

    static func line(_ kind: String, _ detail: [String: JSONValue]) -> NewHistoryEntry {
        NewHistoryEntry(actor: actor, kind: kind, detail: .object(detail))
    }


    /// 2^failures seconds up to five minutes, with jitter, and never past a minute before NCMEC
    /// would delete the unfinished report.
    static func backoff(failures: Int, before expiry: Date?, now: Date) -> TimeInterval {
        var delay = Backoff(first: .seconds(2), cap: .seconds(300)).seconds(after: max(1, failures))
        if let expiry { delay = min(delay, max(1, expiry.timeIntervalSince(now) - 60)) }
        return delay
    }
}
