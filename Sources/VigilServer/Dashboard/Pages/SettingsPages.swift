import Integrations
import Access
import Foundation
import Hummingbird
import Reports

/// Settings: a reviewer's own preferences (how a revealed image is first drawn), and, for
/// admins, the organisation's details that every NCMEC report carries (`/v1/report-settings`).
struct SettingsPages {
    let kit: PageKit
    let credentials: CredentialService
    let reports: ReportService
    let users: UserService
    let auditor: Auditor

    func register(on pages: RouterGroup<VigilRequestContext>) {
        pages.get("settings") { request, context in try await settings(request, context) }
        pages.post("settings/preferences") { request, context in
            guard let user = context.user else {
                return try await settings(request, context, problems: ["preferences": "A session opened with an API key has no preferences: sign in as a person."])
            }
            let fields = try await kit.form(request)
            _ = try await users.savePreferences(user.id, ReviewerPreferences(greyscale: fields.checked("greyscale")))
            return kit.done("/settings", notice: "Preferences saved.", request, context)
        }
        pages.post("settings/organisation") { request, context in
            let fields = try await kit.form(request)
            var settings = try await reports.settings()
            var problems: [String: String] = [:]
            settings.espService = fields.text("esp_service")
            settings.platform = fields.text("platform")
            settings.reporter.firstName = fields.text("first_name")
            settings.reporter.lastName = fields.text("last_name")
            settings.reporter.email = fields.text("email")
            settings.reporter.phone = fields.text("phone")
            settings.reporter.termsOfServiceURL = fields.text("terms_url")
            settings.reporter.legalURL = fields.text("legal_url")
            settings.credentialID = fields.text("credential_id")
            settings.autoApproveVerified = fields.checked("auto_approve_verified")
            settings.requireSecondApprover = fields.checked("require_second_approver")
            if settings.autoApproveVerified && settings.requireSecondApprover {
                problems["require_second_approver"] = "Four eyes needs a person to approve every report: turn off approval by itself, or four eyes."
            }
            if let email = settings.reporter.email, !email.contains("@") { problems["email"] = "An email address has an @." }
            for (field, value) in [("terms_url", settings.reporter.termsOfServiceURL), ("legal_url", settings.reporter.legalURL)] {
                if let value, URL(string: value)?.scheme.map({ ["http", "https"].contains($0.lowercased()) }) != true {
                    problems[field] = "An http(s) URL."
                }
            }
            if let text = fields.text("default_incident_type") {
                if let type = IncidentType(rawValue: text) { settings.defaultIncidentType = type } else { problems["default_incident_type"] = "Choose an incident type." }
            }
            guard problems.isEmpty else { return try await self.settings(request, context, problems: problems, edited: settings) }
            do {
                _ = try await auditor.audited(context, "report_settings.update", target: "report-settings") { try await reports.saveSettings(settings) }
            } catch let error as ReportError {
                return try await self.settings(request, context, problems: ["organisation": error.description], edited: settings)
            }
            return kit.done("/settings", notice: "Organisation details saved: new reports carry them.", request, context)
        }
    }

    func settings(_ request: Request, _ context: VigilRequestContext, problems: [String: String] = [:], edited: ReportingSettings? = nil) async throws -> Response {
        let preferences = context.user?.preferences ?? ReviewerPreferences()
        var data: [String: Any] = ["person": context.user != nil, "greyscale": preferences.greyscale, "errors": problems]
        if context.role?.may(.readReports) == true {
            let settings: ReportingSettings
            if let edited { settings = edited } else { settings = try await reports.settings() }
            let credentials = try await credentials.list().filter { $0.integration == "ncmec_cybertipline" }
            data["organisation"] = [
                "esp_service": settings.espService ?? "", "platform": settings.platform ?? "", "first_name": settings.reporter.firstName ?? "",
                "last_name": settings.reporter.lastName ?? "", "email": settings.reporter.email ?? "", "phone": settings.reporter.phone ?? "",
                "terms_url": settings.reporter.termsOfServiceURL ?? "", "legal_url": settings.reporter.legalURL ?? "",
                "auto_approve_verified": settings.autoApproveVerified, "require_second_approver": settings.requireSecondApprover,
                "credentials": credentials.map { ["id": $0.id, "nickname": $0.values["nickname"] ?? $0.id, "selected": $0.id == settings.credentialID] },
                "incidentOptions": IncidentType.allCases.map { ["value": $0.rawValue, "selected": $0 == settings.defaultIncidentType] },
            ] as [String: Any]
        }
        return kit.page("settings", title: "Settings", section: "settings", data: data, status: problems.isEmpty ? .ok : .unprocessableContent,
                        request, context)
    }
}
