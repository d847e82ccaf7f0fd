import Foundation
import Events
import JSONValues

/// The event types of reports: `report.submitted` at the finish (the receipt stored with it),
/// the others as the flow moves.
public enum ReportEvents {
    public static let drafted = EventTypes.reportDrafted
    public static let approved = EventTypes.reportApproved
    public static let failed = EventTypes.reportFailed
    public static let retracted = EventTypes.reportRetracted
    public static let submitted = EventTypes.reportSubmitted
}

extension Report {
    /// A report event: its id, case and state, and what `extra` adds.
    func event(_ type: String, actor: String, _ extra: [String: JSONValue] = [:]) -> NewEvent {
        var payload: [String: JSONValue] = ["report_id": .number(Double(id)), "case_id": .number(Double(caseID)), "state": .string(state.rawValue)]
        payload.merge(extra) { _, new in new }
        return NewEvent(type: type, subject: subject, actor: actor, payload: .object(payload))
    }

    /// What keeps it from being approved.
    func problems(now: Date) -> [String] {
        content.reporter.emailProblems + ReportChecks.problems(content, files: files, now: now)
    }
}
