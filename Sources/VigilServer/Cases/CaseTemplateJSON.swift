import Cases

/// A case template as the API shows and takes it (`/v1/case-templates`).
struct CaseTemplateJSON: Codable {
    struct Status: Codable {
        let name: String
        let kind: CaseTemplate.Kind
    }

    let name: String
    let statuses: [Status]
    let requiredFields: [String]
    let confirmedStatus: String
    let falsePositiveStatus: String
    let escalatedStatus: String

    enum CodingKeys: String, CodingKey {
        case name, statuses
        case requiredFields = "required_fields"
        case confirmedStatus = "confirmed_status"
        case falsePositiveStatus = "false_positive_status"
        case escalatedStatus = "escalated_status"
    }

    init(_ template: CaseTemplate) {
        name = template.name
        statuses = template.statuses.map { Status(name: $0.name, kind: $0.kind) }
        requiredFields = template.requiredFields
        confirmedStatus = template.confirmedStatus
        falsePositiveStatus = template.falsePositiveStatus
        escalatedStatus = template.escalatedStatus
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        statuses = try container.decode([Status].self, forKey: .statuses)
        requiredFields = try container.decodeIfPresent([String].self, forKey: .requiredFields) ?? []
        confirmedStatus = try container.decode(String.self, forKey: .confirmedStatus)
        falsePositiveStatus = try container.decode(String.self, forKey: .falsePositiveStatus)
        escalatedStatus = try container.decode(String.self, forKey: .escalatedStatus)
    }

    var template: CaseTemplate {
        CaseTemplate(name: name, statuses: statuses.map { CaseTemplate.Status($0.name, $0.kind) }, requiredFields: requiredFields,
                     confirmedStatus: confirmedStatus, falsePositiveStatus: falsePositiveStatus, escalatedStatus: escalatedStatus)
    }
}
