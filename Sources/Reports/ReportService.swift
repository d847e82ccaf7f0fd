public import Banks
public import Cases
import Events
public import Foundation
import JSONValues

/// The rules of reports: a draft from a case, edits while it is a draft, approval by a person
/// (or by itself for verified matches when the organisation allows it), then a submission of
/// jobs; retraction until it is finished; a retry once the cause of a failure is fixed.
public struct ReportService: Sendable {
    let store: any ReportStore
    let drafter: ReportDrafter
    /// NCMEC's XML, written by the CyberTipline adapter.
    let documents: any CyberTiplineDocuments
    let cases: CaseService
    /// Wakes the job workers after a change queued a call.
    let wake: @Sendable () -> Void
    let clock: @Sendable () -> Date

    public init(store: any ReportStore, documents: any CyberTiplineDocuments, cases: CaseService, media: EvidenceMediaService, banks: BankService,
                wake: @escaping @Sendable () -> Void = {}, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.documents = documents
        drafter = ReportDrafter(cases: cases, media: media, banks: banks)
        self.cases = cases
        self.wake = wake
        self.clock = clock
    }

    public static let autoApprover = "system:auto-approval"
    /// The actors that name a person: a signed-in user (`user:NAME`). Under four eyes only they approve.
    public static let personPrefix = "user:"

    // MARK: settings

    public func settings() async throws -> ReportingSettings { try await store.settings() }

    public func saveSettings(_ settings: ReportingSettings) async throws -> ReportingSettings {
        var problems = settings.problems().filter { !$0.hasPrefix("reporter.email is required") }
        if settings.requireSecondApprover && settings.autoApproveVerified {
            problems.append("require_second_approver and auto_approve_verified cannot both be on: a report approved without a person has no second person")
        }
        guard problems.isEmpty else { throw ReportError.invalid(problems.joined(separator: "; ")) }
        try await store.saveSettings(settings, at: clock())
        return settings
    }

    // MARK: reading

    public func report(_ id: Int64) async throws -> Report {
        guard let report = try await store.report(id: id) else { throw ReportError.notFound("report \(id)") }
        return report
    }

    /// The report as it stands now (`current`) and its history.
    public func detail(_ id: Int64) async throws -> (report: Report, history: [HistoryEntry]) {
        (try await current(try await report(id)), try await store.history(reportID: id))
    }

    /// The reports as stored (without `current`'s refresh of what they would send).
    public func stored(_ filter: ReportFilter) async throws -> [Report] { try await store.reports(filter) }

    /// Reports as they stand now (`current`).
    public func list(_ filter: ReportFilter) async throws -> [Report] {
        let settings = try await store.settings()
        var found: [Report] = []
        for report in try await store.reports(filter) { found.append(try await current(report, settings: settings)) }
        return found
    }

    /// The documents the report would send now: the `<report>` and one `<fileDetails>` per file
    /// (NCMEC's ids are placeholders, 0 and `pending`, until it gives them).
    public func documents(_ id: Int64) async throws -> (report: String, files: [String]) {
        let report = try await current(try await report(id))
        let now = clock()
        return (documents.report(report.content, now: now),
                report.files.map { documents.fileDetails($0, reportID: report.remote.reportID ?? 0, fileID: $0.fileID ?? "pending", now: now) })
    }

    /// The report as it would be sent now: a draft takes what it leaves unset (the reporter,
    /// the service, the credential) from the reporting settings as they are now, as its approval
    /// will; and each file not yet described to NCMEC says whether a person has viewed it from
    /// the reveal audit as it is now, as its `/fileinfo` will.
    public func current(_ report: Report, settings given: ReportingSettings? = nil) async throws -> Report {
        var current = report
        if report.state == .draft {
            let settings = if let given { given } else { try await store.settings() }
            _ = current.fillUnset(from: settings)
        }
        for index in current.files.indices where !current.files[index].detailsSent {
            current.files[index].viewedByEsp = try await drafter.media.viewedByEsp(current.files[index].mediaSHA256)
        }
        return current
    }

    /// What keeps the report from being approved, as it would be approved now.
    public func problems(_ report: Report) async throws -> [String] {
        var problems = try await current(report).problems(now: clock())
        let decided = try await cases.detail(report.caseID).case
        if report.state == .draft, try await cases.isFalsePositive(decided) {
            problems.append("case \(report.caseID) was resolved as a false positive: it is not reported")
        }
        return problems
    }

    // MARK: the flow

    /// A draft from the case. A case has one report at a time: while one is not retracted,
    /// drafting again returns it (`created` false), so a retried workflow step drafts once and
    /// a reported case is not reported twice.
    public func draft(caseID: Int64, options: DraftOptions = DraftOptions(), actor: String) async throws -> (report: Report, created: Bool) {
        if let current = try await store.reports(ReportFilter(caseID: caseID, limit: 20)).first(where: { $0.state != .retracted }) {
            return (current, false)
        }
        try await refuseFalsePositive(caseID, "drafted")
        let settings = try await store.settings()
        let draft = try await drafter.draft(caseID: caseID, settings: settings, options: options)
        let autoApprove = options.mayAutoApprove && settings.autoApproveVerified && !settings.requireSecondApprover && draft.allVerified
        var created = try await store.createReport(draft.new, actor: actor, at: clock()) { report in
            [report.event(ReportEvents.drafted, actor: actor, ["files": .number(Double(report.files.count))])]
        }
        if autoApprove, try await problems(created).isEmpty {
            created = try await approve(created.id, expectedVersion: created.version, actor: Self.autoApprover)
        }
        return (created, true)
    }

    public func edit(_ id: Int64, _ edit: ReportEdit, expectedVersion: Int?, actor: String) async throws -> Report {
        try await store.updateReport(id: id, at: clock()) { current in
            try Self.check(expectedVersion, current)
            guard current.state == .draft || current.state == .failed else {
                throw ReportError.invalid("report \(id) is \(current.state.rawValue): only a draft, or a failed report, can be edited")
            }
            var updated = current
            try edit.apply(to: &updated)
            var history = [NewHistoryEntry(actor: actor, kind: "edited", detail: ["fields": .array(Self.editedFields(edit).map(JSONValue.string))])]
            if current.state == .failed {
                // Back to a draft that must be approved again; what NCMEC has of it is retracted first.
                SubmissionPlan.startAfresh(&updated, abandon: true)
                updated.remote.restarts = 0
                updated.state = .draft
                updated.problem = nil
                updated.approvedBy = nil
                updated.approvedAt = nil
                updated.jobID = nil
                history.append(NewHistoryEntry(actor: actor, kind: "status", detail: ["from": "failed", "to": "draft"]))
            }
            return ReportChange(updated: updated, history: history)
        }
    }

    /// Approves a draft and queues its submission. The HTTP layer lets only the reporting
    /// roles call it.
    public func approve(_ id: Int64, expectedVersion: Int?, actor: String) async throws -> Report {
        // Checked before the approval commits; a false-positive decision made after this check
        // retracts the report (`withdraw`), so the two orders end the same way.
        let read = try await report(id)
        try await refuseFalsePositive(read.caseID, "approved")
        let settings = try await store.settings()
        // Four eyes: who drafted or edited the report, read with the version it was read at, so
        // an edit that lands before the approval commits makes the approval try again.
        let secondPerson: (version: Int, contributors: Set<String>)?
        if settings.requireSecondApprover {
            secondPerson = (read.version, Self.contributors(read, try await store.history(reportID: id)))
        } else {
            secondPerson = nil
        }
        let now = clock()
        let approved = try await store.updateReport(id: id, at: now) { current in
            try Self.check(expectedVersion, current)
            guard current.state == .draft else { throw ReportError.invalid("report \(id) is \(current.state.rawValue): only a draft can be approved") }
            if let secondPerson {
                // A key, the CLI or a proxy's role names no one: two of them may be one person.
                guard actor.hasPrefix(Self.personPrefix) else { throw ReportError.needsSecondPerson(actor: actor, report: id, named: false) }
                guard current.version == secondPerson.version else {
                    throw ReportError.conflict("report \(id) changed while it was being approved: look at it again", current: current)
                }
                guard !secondPerson.contributors.contains(actor) else {
                    throw ReportError.needsSecondPerson(actor: actor, report: id, named: true)
                }
            }
            var updated = current
            // What the draft left unset is taken from the settings as they are at approval.
            let filled = updated.fillUnset(from: settings)
            let problems = updated.problems(now: now)
            guard problems.isEmpty else { throw ReportError.incomplete(problems) }
            updated.state = .approved
            updated.approvedBy = actor
            updated.approvedAt = now
            var detail: [String: JSONValue] = [:]
            if !filled.isEmpty { detail["filled_from_settings"] = .array(filled.map(JSONValue.string)) }
            return ReportChange(updated: updated, history: [NewHistoryEntry(actor: actor, kind: "approved", detail: .object(detail))],
                                events: [updated.event(ReportEvents.approved, actor: actor, [:])], queueNextCall: true)
        }
        wake()
        return approved
    }

    /// Retracts a report that is not finished. A draft is withdrawn at once; a report NCMEC
    /// has is retracted there by its submission's next call.
    public func retract(_ id: Int64, reason: String, actor: String) async throws -> Report {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty, reason.count <= 2000 else { throw ReportError.invalid("a retraction needs a reason (1-2000 characters)") }
        let retracted = try await store.updateReport(id: id, at: clock()) { current in
            var updated = current
            let line = NewHistoryEntry(actor: actor, kind: "retract_requested", detail: ["reason": .string(reason)])
            switch current.state {
            case .finished: throw ReportError.invalid("report \(id) is finished: NCMEC's finish is irreversible, so it cannot be retracted")
            case .retracted, .retracting: return ReportChange(updated: current)
            case .draft:
                updated.state = .retracted
                return ReportChange(updated: updated, history: [line], events: [updated.event(ReportEvents.retracted, actor: actor, ["reason": .string(reason)])])
            case .failed, .approved, .submitting, .submitted, .filesUploaded, .detailsSent:
                updated.retractRequested = true
                updated.state = .retracting
                updated.problem = nil
                // A call under way keeps its job: it commits its answer, then the retraction follows.
                return ReportChange(updated: updated, history: [line], queueNextCall: current.remote.pendingCall == nil)
            }
        }
        wake()
        return retracted
    }

    /// The case was resolved as a false positive: what it would report is not abuse. A draft is
    /// withdrawn at once; a report under way is retracted (NCMEC's copy with it); a finished one
    /// cannot be (and its case, reported, cannot be resolved so). Both histories say so.
    @discardableResult
    public func withdraw(caseID: Int64, actor: String) async throws -> [Report] {
        let reason = "case \(caseID) was resolved as a false positive"
        var withdrawn: [Report] = []
        for report in try await store.reports(ReportFilter(caseID: caseID, limit: 100)) where !report.state.isTerminal && !report.retractRequested {
            let previous = report.state
            let retracted = try await retract(report.id, reason: reason, actor: actor)
            _ = try await cases.note(caseID, NewHistoryEntry(actor: actor, kind: "report_withdrawn", detail: [
                "report_id": .number(Double(report.id)), "from": .string(previous.rawValue), "to": .string(retracted.state.rawValue),
                "reason": .string(reason),
            ]))
            withdrawn.append(retracted)
        }
        return withdrawn
    }

    /// A case resolved as a false positive is never reported.
    func refuseFalsePositive(_ caseID: Int64, _ verb: String) async throws {
        let decided = try await cases.detail(caseID).case
        guard try await cases.isFalsePositive(decided) else { return }
        throw ReportError.refused("case \(caseID) was resolved as a false positive (\(decided.status)): a report of it cannot be \(verb); reopen the case if the decision was wrong")
    }

    /// Resumes a failed report where it stopped.
    public func retry(_ id: Int64, actor: String) async throws -> Report {
        let resumed = try await store.updateReport(id: id, at: clock()) { current in
            guard current.state == .failed else { throw ReportError.invalid("report \(id) is \(current.state.rawValue): only a failed report can be retried") }
            var updated = current
            updated.problem = nil
            updated.remote.failures = 0
            updated.remote.restarts = 0
            updated.state = SubmissionPlan.progressState(updated)
            return ReportChange(updated: updated, history: [NewHistoryEntry(actor: actor, kind: "retried", detail: [
                "problem": .string(current.problem?.message ?? ""),
            ])], queueNextCall: true)
        }
        wake()
        return resumed
    }

    static func check(_ expected: Int?, _ current: Report) throws {
        if let expected, expected != current.version {
            throw ReportError.conflict("report \(current.id) changed since version \(expected): it is at version \(current.version), \(current.state.rawValue)",
                                       current: current)
        }
    }

    /// Who drafted or edited a report: under four eyes, none of them may approve it.
    public static func contributors(_ report: Report, _ history: [HistoryEntry]) -> Set<String> {
        Set([report.createdBy] + history.filter { $0.kind == "edited" || $0.kind == "drafted" }.map(\.actor))
    }

    static func editedFields(_ edit: ReportEdit) -> [String] {
        var fields: [String] = []
        if edit.incidentType != nil { fields.append("incident_type") }
        if edit.incidentAt != nil { fields.append("incident_at") }
        if edit.incidentDescription != nil { fields.append("incident_description") }
        if edit.platform != nil { fields.append("platform") }
        if edit.escalateToHighPriority != nil { fields.append("escalate_to_high_priority") }
        if edit.annotations != nil { fields.append("annotations") }
        if edit.webPageURLs != nil { fields.append("web_page_urls") }
        if edit.reporter != nil { fields.append("reporter") }
        if edit.reportedPeople != nil { fields.append("reported_people") }
        if edit.additionalInfo != nil { fields.append("additional_info") }
        for file in edit.files ?? [] { fields.append("files[\(file.evidenceID)]") }
        return fields
    }
}

extension Reporter {
    /// The schema requires the reporting person's email.
    var emailProblems: [String] {
        guard let email, !email.isEmpty else {
            return ["the reporter has no email (NCMEC requires it): set reporter.email in the report settings or in the draft"]
        }
        return ReportChecks.isEmail(email) ? [] : ["the reporter's email \(email) is not an email address"]
    }
}
