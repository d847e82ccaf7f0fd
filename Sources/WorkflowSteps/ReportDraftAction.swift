import Foundation
public import JSONValues
public import Reports
public import Workflows

/// `report.draft`: drafts the NCMEC CyberTipline report of a case. A case has one report at a
/// time, so the step run again returns the same draft. The draft waits for a person's approval
/// unless the reporting settings allow auto-approval and every file matched a bank labelled
/// `verified`; then it is approved and its submission starts.
public struct ReportDraftAction: WorkflowAction {
    public let key = "report.draft"
    let reports: ReportService

    public init(reports: ReportService) { self.reports = reports }

    public func perform(_ call: ActionCall) async throws -> JSONValue {
        let caseID = try CaseAction.caseID(call)
        let incidentType = try call.text("incident_type").map { text in
            guard let type = IncidentType(rawValue: text) else {
                throw ActionFailure("incident_type must be one of: " + IncidentType.allCases.map(\.rawValue).joined(separator: "; "))
            }
            return type
        }
        let classification = try call.text("classification").map { text in
            guard let value = IndustryClassification(rawValue: text.uppercased()) else { throw ActionFailure("classification must be A1, A2, B1 or B2") }
            return value
        }
        do {
            let (report, created) = try await reports.draft(
                caseID: caseID,
                options: DraftOptions(incidentType: incidentType, classification: classification, escalateToHighPriority: call.text("escalate"),
                                      additionalInfo: call.text("additional_info"), mayAutoApprove: true),
                actor: "workflow:\(call.workflowID)")
            return ["report_id": .number(Double(report.id)), "state": .string(report.state.rawValue), "created": .bool(created),
                    "auto_approved": .bool(report.approvedBy == ReportService.autoApprover)]
        } catch let error as ReportError {
            throw ActionFailure(error.description)
        }
    }
}
