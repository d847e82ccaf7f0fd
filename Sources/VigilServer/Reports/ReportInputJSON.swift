import Foundation
package import Reports

/// The fields of a report to change, as `PATCH /v1/reports/{id}` (and `vigil report edit`)
/// take them: each field given replaces the report's; a file is named by its evidence id.
package struct ReportEditJSON: Decodable {
    let incidentType: IncidentType?
    let incidentAt: Date?
    let incidentDescription: String?
    let platform: String?
    let escalateToHighPriority: String?
    let annotations: [ReportAnnotation]?
    let webPageURLs: [String]?
    let reporter: ReporterJSON?
    let reportedPeople: [ReportedPersonJSON]?
    let additionalInfo: String?
    let files: [FileEditJSON]?

    enum CodingKeys: String, CodingKey {
        case incidentType = "incident_type", incidentAt = "incident_at", incidentDescription = "incident_description", platform
        case escalateToHighPriority = "escalate_to_high_priority", annotations, webPageURLs = "web_page_urls", reporter
        case reportedPeople = "reported_people", additionalInfo = "additional_info", files
    }

    struct FileEditJSON: Decodable {
        let evidenceID: Int64
        let classification: IndustryClassification?
        let annotations: [FileAnnotation]?
        let publiclyAvailable: Bool?
        let originalFileName: String?
        let additionalInfo: String?
        let include: Bool?

        enum CodingKeys: String, CodingKey {
            case evidenceID = "evidence_id", classification, annotations, publiclyAvailable = "publicly_available"
            case originalFileName = "original_file_name", additionalInfo = "additional_info", include
        }

        var edit: ReportEdit.FileEdit {
            ReportEdit.FileEdit(evidenceID: evidenceID, classification: classification, annotations: annotations, publiclyAvailable: publiclyAvailable,
                                originalFileName: originalFileName, additionalInfo: additionalInfo, include: include)
        }
    }

    package var edit: ReportEdit {
        ReportEdit(incidentType: incidentType, incidentAt: incidentAt, incidentDescription: incidentDescription, platform: platform,
                   escalateToHighPriority: escalateToHighPriority, annotations: annotations, webPageURLs: webPageURLs,
                   reporter: reporter?.reporter, reportedPeople: reportedPeople?.map(\.person), additionalInfo: additionalInfo,
                   files: files?.map(\.edit))
    }
}

/// The organisation's reporting settings, as `/v1/report-settings` (and `vigil report settings`)
/// show and take them; a field left out takes its default.
package struct ReportingSettingsJSON: Codable {
    let espService: String?
    let platform: String?
    let reporter: ReporterJSON
    let credentialID: String?
    let autoApproveVerified: Bool
    let defaultIncidentType: IncidentType
    /// Left out of a change: kept as it is (a PUT written before four eyes existed must not turn it off).
    let requireSecondApprover: Bool?

    enum CodingKeys: String, CodingKey {
        case espService = "esp_service", platform, reporter, credentialID = "credential_id", autoApproveVerified = "auto_approve_verified"
        case defaultIncidentType = "default_incident_type", requireSecondApprover = "require_second_approver"
    }

    package init(_ settings: ReportingSettings) {
        espService = settings.espService
        platform = settings.platform
        reporter = ReporterJSON(settings.reporter)
        credentialID = settings.credentialID
        autoApproveVerified = settings.autoApproveVerified
        defaultIncidentType = settings.defaultIncidentType
        requireSecondApprover = settings.requireSecondApprover
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        espService = try container.decodeIfPresent(String.self, forKey: .espService)
        platform = try container.decodeIfPresent(String.self, forKey: .platform)
        reporter = try container.decodeIfPresent(ReporterJSON.self, forKey: .reporter) ?? ReporterJSON(Reporter())
        credentialID = try container.decodeIfPresent(String.self, forKey: .credentialID)
        autoApproveVerified = try container.decodeIfPresent(Bool.self, forKey: .autoApproveVerified) ?? false
        defaultIncidentType = try container.decodeIfPresent(IncidentType.self, forKey: .defaultIncidentType) ?? .childPornography
        requireSecondApprover = try container.decodeIfPresent(Bool.self, forKey: .requireSecondApprover)
    }

    /// The settings this change makes of `current`: every field as given (or its default), four
    /// eyes as given or, left out, as it is.
    package func settings(changing current: ReportingSettings) -> ReportingSettings {
        ReportingSettings(espService: espService, platform: platform, reporter: reporter.reporter, credentialID: credentialID,
                          autoApproveVerified: autoApproveVerified, defaultIncidentType: defaultIncidentType,
                          requireSecondApprover: requireSecondApprover ?? current.requireSecondApprover)
    }
}
