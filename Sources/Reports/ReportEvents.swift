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

extension Report {
    /// Takes from the settings what the report leaves unset: the reporter's details field by
    /// field, the platform, each reported person's service, the credential. Returns the names of
    /// the fields it filled.
    mutating func fillUnset(from settings: ReportingSettings) -> [String] {
        var filled: [String] = []
        func take<T>(_ value: inout T?, _ from: T?, _ name: String) {
            guard value == nil, let from else { return }
            value = from
            filled.append(name)
        }
        var reporter = content.reporter
        if (reporter.email ?? "").isEmpty { reporter.email = nil }
        take(&reporter.firstName, settings.reporter.firstName, "reporter.first_name")
        take(&reporter.lastName, settings.reporter.lastName, "reporter.last_name")
        take(&reporter.email, settings.reporter.email.flatMap { $0.isEmpty ? nil : $0 }, "reporter.email")
        take(&reporter.phone, settings.reporter.phone, "reporter.phone")
        take(&reporter.contact, settings.reporter.contact, "reporter.contact")
        take(&reporter.termsOfServiceURL, settings.reporter.termsOfServiceURL, "reporter.terms_of_service_url")
        take(&reporter.legalURL, settings.reporter.legalURL, "reporter.legal_url")
        content.reporter = reporter
        take(&content.platform, settings.platform ?? settings.espService, "platform")
        for index in content.reportedPeople.indices {
            take(&content.reportedPeople[index].espService, settings.espService, "reported_people[\(index)].esp_service")
        }
        take(&credentialID, settings.credentialID, "credential_id")
        return filled
    }
}
