import Foundation
import Hummingbird
import Reports

/// CyberTipline reports: drafts from cases, edits, approval by the reporting roles, retraction,
/// retry, the XML they send, and the organisation's reporting settings. Every change is audited.
struct ReportRoutes {
    let reports: ReportService
    let auditor: Auditor

    /// The audit outcome of a settings change: turning four eyes on or off is named.
    static func fourEyesChange(from old: ReportingSettings, to new: ReportingSettings) -> String {
        guard old.requireSecondApprover != new.requireSecondApprover else { return "ok" }
        return new.requireSecondApprover ? "ok: four eyes turned on" : "ok: four eyes turned off"
    }

    func register(on routes: RouterGroup<VigilRequestContext>) {
        routes.get("reports") { request, _ in
            let states = try request.queryStates("state", as: ReportState.self)
            let caseID = try request.queryInteger("case_id", default: 0, in: 0...Int.max)
            let before = try request.queryInteger("before", default: 0, in: 0...Int.max)
            let limit = try request.queryInteger("limit", default: 50, in: 1...1000)
            let found = try await reports.list(ReportFilter(states: states, caseID: caseID > 0 ? Int64(caseID) : nil,
                                                            before: before > 0 ? Int64(before) : nil, limit: limit))
            var page: [ReportJSON] = []
            for report in found { page.append(ReportJSON(report, problems: try await reports.problems(report))) }
            return try JSONText.response(ReportPage(reports: page, nextBefore: found.count == limit ? found.last?.id : nil))
        }
        routes.post("cases/{id}/reports") { request, context in
            let caseID = try Self.id(context, "case")
            let body = try await Self.optionalBody(DraftBody.self, request: request)
            return try await auditor.audited(context, "report.draft", target: "case:\(caseID)") {
                let (report, created) = try await reports.draft(
                    caseID: caseID, options: DraftOptions(incidentType: body?.incidentType, classification: body?.classification,
                                                          escalateToHighPriority: body?.escalateToHighPriority, additionalInfo: body?.additionalInfo),
                    actor: context.actor)
                return try JSONText.response(ReportJSON(report, problems: try await reports.problems(report)), status: created ? .created : .ok)
            }
        }
        routes.get("reports/{id}") { _, context in
            let (report, history) = try await reports.detail(try Self.id(context, "report"))
            return try JSONText.response(ReportJSON(report, problems: try await reports.problems(report), history: history))
        }
        routes.get("reports/{id}/xml") { _, context in
            let documents = try await reports.documents(try Self.id(context, "report"))
            return try JSONText.response(DocumentsJSON(report: documents.report, fileDetails: documents.files))
        }
        routes.patch("reports/{id}") { request, context in
            let id = try Self.id(context, "report")
            let body = try JSONInput.decode(EditBody.self, from: try await request.collectBody(limit: 256 * 1024))
            return try await auditor.audited(context, "report.edit", target: "report:\(id)") {
                let report = try await reports.edit(id, body.edit, expectedVersion: body.version, actor: context.actor)
                return try JSONText.response(ReportJSON(report, problems: try await reports.problems(report)))
            }
        }
        routes.post("reports/{id}/approve") { request, context in
            let id = try Self.id(context, "report")
            let body = try await Self.optionalBody(VersionBody.self, request: request)
            return try await auditor.audited(context, "report.approve", target: "report:\(id)") {
                try JSONText.response(ReportJSON(try await reports.approve(id, expectedVersion: body?.version, actor: context.actor)), status: .accepted)
            }
        }
        routes.post("reports/{id}/retract") { request, context in
            let id = try Self.id(context, "report")
            let body = try await Self.optionalBody(RetractBody.self, request: request)
            return try await auditor.audited(context, "report.retract", target: "report:\(id)") {
                try JSONText.response(ReportJSON(try await reports.retract(id, reason: body?.reason ?? "", actor: context.actor)), status: .accepted)
            }
        }
        routes.post("reports/{id}/retry") { _, context in
            let id = try Self.id(context, "report")
            return try await auditor.audited(context, "report.retry", target: "report:\(id)") {
                try JSONText.response(ReportJSON(try await reports.retry(id, actor: context.actor)), status: .accepted)
            }
        }
        routes.get("report-settings") { _, _ in
            try JSONText.response(ReportingSettingsJSON(try await reports.settings()))
        }
        routes.put("report-settings") { request, context in
            let body = try JSONInput.decode(ReportingSettingsJSON.self, from: try await request.collectBody(limit: 64 * 1024))
            let current = try await reports.settings()
            let settings = body.settings(changing: current)
            return try await auditor.audited(context, "report.settings", target: "report-settings",
                                             outcome: { _ in Self.fourEyesChange(from: current, to: settings) }) {
                try JSONText.response(ReportingSettingsJSON(try await reports.saveSettings(settings)))
            }
        }
    }

    struct ReportPage: Encodable {
        let reports: [ReportJSON]
        let nextBefore: Int64?
        enum CodingKeys: String, CodingKey { case reports, nextBefore = "next_before" }
    }

    struct DocumentsJSON: Encodable {
        let report: String
        let fileDetails: [String]
        enum CodingKeys: String, CodingKey { case report, fileDetails = "file_details" }
    }

    /// A JSON body that may be left out altogether.
    static func optionalBody<T: Decodable>(_ type: T.Type, request: Request) async throws -> T? {
        let buffer = try await request.collectBody(limit: 64 * 1024)
        return buffer.readableBytes == 0 ? nil : try JSONInput.decode(type, from: buffer)
    }

    static func id(_ context: VigilRequestContext, _ what: String) throws -> Int64 { try context.positiveID(of: what) }
}
