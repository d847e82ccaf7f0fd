import Cases
import Foundation
import Hummingbird
import Reports

/// The NCMEC report of a case, on the case page: draft it, review and edit every field,
/// approve it (which submits it, as jobs), and watch it move to NCMEC's receipt.
struct ReportPages {
    let kit: PageKit
    let reports: ReportService
    /// Where a refused action is shown: the case page, in its report panel.
    let cases: CasePages

    func register(on pages: RouterGroup<VigilRequestContext>) {
        pages.post("cases/{id}/report") { request, context in
            let id = try context.positiveID(of: "a case")
            do {
                let drafted = try await reports.draft(caseID: id, actor: context.actor)
                return kit.done("/cases/\(id)#report", notice: drafted.created ? "Report \(drafted.report.id) drafted: review it, then approve it."
                                                                                 : "This case has report \(drafted.report.id) already.", request, context)
            } catch let error as ReportError {
                return try await cases.detail(id, request, context, problems: ["report": error.description], status: APIError.from(error)?.status)
            }
        }
        pages.post("reports/{id}/edit") { request, context in
            let (report, fields) = try await posted(request, context)
            var problems: [String: String] = [:]
            let incident = fields.text("incident_type").flatMap(IncidentType.init(rawValue:))
            if fields.text("incident_type") != nil, incident == nil { problems["incident_type"] = "Choose one of NCMEC's incident types." }
            var files: [ReportEdit.FileEdit] = []
            for file in report.files {
                let text = fields.text("classification_\(file.evidenceID)")
                let classification = text.flatMap(IndustryClassification.init(rawValue:))
                if text != nil, classification == nil { problems["classification_\(file.evidenceID)"] = "A1, A2, B1 or B2." }
                files.append(ReportEdit.FileEdit(evidenceID: file.evidenceID, classification: classification,
                                                 publiclyAvailable: fields.checked("public_\(file.evidenceID)"),
                                                 include: fields.checked("include_\(file.evidenceID)")))
            }
            let urls = (fields["web_page_urls"] ?? "").split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            for url in urls where URL(string: url)?.scheme.map({ ["http", "https"].contains($0.lowercased()) }) != true {
                problems["web_page_urls"] = "Each line is one http(s) URL: \(url) is not."
            }
            if !problems.isEmpty { return try await cases.detail(report.caseID, request, context, problems: problems) }
            let edit = ReportEdit(incidentType: incident, incidentDescription: fields["incident_description"] ?? "",
                                  escalateToHighPriority: fields["escalate"] ?? "", webPageURLs: urls, additionalInfo: fields["additional_info"] ?? "",
                                  files: files)
            return try await acting(report, request, context, success: "Report saved.") {
                _ = try await reports.edit(report.id, edit, expectedVersion: fields.text("version").flatMap(Int.init), actor: context.actor)
            }
        }
        pages.post("reports/{id}/approve") { request, context in
            let (report, fields) = try await posted(request, context)
            return try await acting(report, request, context, success: "Report approved: it is being sent to NCMEC.") {
                _ = try await reports.approve(report.id, expectedVersion: fields.text("version").flatMap(Int.init), actor: context.actor)
            }
        }
        pages.post("reports/{id}/retract") { request, context in
            let (report, fields) = try await posted(request, context)
            return try await acting(report, request, context, success: "Report retracted.") {
                _ = try await reports.retract(report.id, reason: fields["reason"] ?? "", actor: context.actor)
            }
        }
        pages.post("reports/{id}/retry") { request, context in
            let (report, _) = try await posted(request, context)
            return try await acting(report, request, context, success: "Report sent again.") {
                _ = try await reports.retry(report.id, actor: context.actor)
            }
        }
    }

    func posted(_ request: Request, _ context: VigilRequestContext) async throws -> (Report, FormFields) {
        (try await reports.report(try context.positiveID(of: "a report")), try await kit.form(request))
    }

    /// Runs a report action; a refusal is shown on the case page, in the report panel.
    func acting(_ report: Report, _ request: Request, _ context: VigilRequestContext, success: String,
                _ body: () async throws -> Void) async throws -> Response {
        do {
            try await body()
        } catch let error as ReportError {
            let message = if case let .incomplete(problems) = error { problems.joined(separator: " ") } else { error.description }
            return try await cases.detail(report.caseID, request, context, problems: ["report": message], status: APIError.from(error)?.status)
        }
        return kit.done("/cases/\(report.caseID)#report", notice: success, request, context)
    }
}

/// What the report panel of a case shows.
struct ReportPanel {
    let reports: ReportService

    /// What a failed report needs, in words (not the program's `give_up`).
    static func words(_ kind: ReportProblem.Kind) -> String {
        switch kind {
        case .fix: "the report needs a change"
        case .giveUp: "needs a person"
        case .unavailable: "NCMEC was unavailable: retry later"
        }
    }

    func data(caseID: Int64, context: VigilRequestContext, problems: [String: String]) async throws -> [String: Any] {
        guard let report = try await reports.list(ReportFilter(caseID: caseID, limit: 1)).first else { return ["none": true] }
        let (current, history) = try await reports.detail(report.id)
        let state = current.state
        let editable = state == .draft || (state == .failed && current.problem?.kind == .fix)
        let content = current.content
        let problemList = try await reports.problems(current)
        // Four eyes: whoever drafted or edited the report is told who must approve it, and is not offered the button.
        let fourEyes = try await reports.settings().requireSecondApprover
        let needsAnother = fourEyes && state == .draft && (!context.actor.hasPrefix(ReportService.personPrefix)
                                                           || ReportService.contributors(current, history).contains(context.actor))
        let data: [String: Any] = [
            "id": current.id, "version": current.version, "state": Display.words(state.rawValue), "stateClass": state.rawValue,
            "inProgress": state.isInProgress, "finished": state == .finished, "editable": editable,
            "approvable": state == .draft && !needsAnother, "needsAnother": needsAnother, "retryable": state == .failed, "retractable": !state.isTerminal && state != .retracting,
            "ncmecID": current.remote.reportID.map(String.init) ?? "", "approvedBy": current.approvedBy ?? "",
            "approvedAt": Display.time(current.approvedAt), "finishedAt": Display.time(current.finishedAt),
            "receipt": current.remote.receipt ?? "",
            "problems": problemList.map { ["text": $0] },
            "hasProblems": !problemList.isEmpty && state == .draft,
            "failure": current.problem.map { ["kind": Self.words($0.kind), "message": $0.message, "code": $0.code.map(String.init) ?? ""] } ?? false,
            // The receipt as fields (what NCMEC acknowledged); its text as sent stays below them.
            "receiptFields": current.remote.receipt == nil ? false : [
                "reportID": current.remote.reportID.map(String.init) ?? "not given",
                "finishedAt": Display.time(current.finishedAt),
                "files": current.files.filter { $0.fileID != nil }.map { file in
                    ["name": file.originalFileName ?? String(file.mediaSHA256.prefix(12)) + "…", "fileID": file.fileID ?? ""]
                },
            ] as [String: Any],
            "incidentOptions": IncidentType.allCases.map { ["value": $0.rawValue, "selected": $0 == content.incidentType] },
            "incidentAt": Display.time(content.incidentAt),
            "incidentDescription": content.incidentDescription ?? "", "escalate": content.escalateToHighPriority ?? "",
            "additionalInfo": content.additionalInfo ?? "", "platform": content.platform ?? "",
            "webPageURLs": content.webPageURLs.joined(separator: "\n"),
            "reporter": [
                "name": [content.reporter.firstName, content.reporter.lastName].compactMap { $0 }.joined(separator: " "),
                "email": content.reporter.email ?? "", "phone": content.reporter.phone ?? "",
            ],
            "people": content.reportedPeople.map { person in
                ["id": person.espIdentifier, "screenName": person.screenName ?? "", "email": person.email ?? "",
                 "disabled": person.accountDisabled, "ips": person.ipCaptureEvents.map(\.ipAddress).joined(separator: ", ")] as [String: Any]
            },
            "files": current.files.map { file in
                ["evidence": file.evidenceID, "name": file.originalFileName ?? file.mediaSHA256.prefix(12) + "…", "md5": file.md5 ?? "",
                 "classOptions": IndustryClassification.allCases.map { ["value": $0.rawValue, "selected": $0 == file.classification] },
                 "viewed": file.viewedByEsp, "public": file.publiclyAvailable ?? false, "fileID": file.fileID ?? "",
                 "sent": file.detailsSent] as [String: Any]
            },
            "history": history.suffix(12).reversed().map { entry in
                ["at": Display.time(entry.at), "actor": entry.actor, "kind": Display.words(entry.kind),
                 "detail": String(Display.detail(entry.detail).prefix(400))] as [String: Any]
            },
            "errors": problems,
        ]
        return data
    }
}
