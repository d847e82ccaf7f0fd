import Cases

/// A case template as the `case_templates` table stores it (its `definition` column): storage's
/// own shape, with the keys the rows were first written with.
struct StoredCaseTemplate: Codable {
    struct Status: Codable {
        var name: String
        var kind: CaseTemplate.Kind
    }

    var name: String
    var statuses: [Status]
    var requiredFields: [String]?
    var confirmedStatus: String
    var falsePositiveStatus: String
    var escalatedStatus: String

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

    var template: CaseTemplate {
        CaseTemplate(name: name, statuses: statuses.map { CaseTemplate.Status($0.name, $0.kind) }, requiredFields: requiredFields ?? [],
                     confirmedStatus: confirmedStatus, falsePositiveStatus: falsePositiveStatus, escalatedStatus: escalatedStatus)
    }
}
