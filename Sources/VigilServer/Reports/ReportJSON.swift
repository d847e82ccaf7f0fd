import Basics
import Cases
import Foundation
import Reports

/// A report as the API shows it: what it says, its files, NCMEC's side of it, what keeps it
/// from being approved, and (on its own page) its history.
struct ReportJSON: Encodable {
    let id: Int64
    let caseID: Int64
    let state: String
    let content: ReportContentJSON
    let files: [ReportFileJSON]
    let ncmec: NCMECJSON
    let credentialID: String?
    let problem: ReportProblemJSON?
    let problems: [String]
    let retractRequested: Bool
    let approvedBy: String?
    let approvedAt: String?
    let jobID: Int64?
    let version: Int
    let createdBy: String
    let createdAt: String
    let updatedAt: String
    let finishedAt: String?
    let history: [HistoryJSON]?

    struct NCMECJSON: Encodable {
        let reportID: Int64?
        let openedAt: String?
        let expiresAt: String?
        let pendingCall: RemoteCallJSON?
        let abandoned: [Int64]
        let receipt: String?
        enum CodingKeys: String, CodingKey {
            case reportID = "report_id", openedAt = "opened_at", expiresAt = "expires_at", pendingCall = "pending_call", abandoned, receipt
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, caseID = "case_id", state, content, files, ncmec, credentialID = "credential_id", problem, problems
        case retractRequested = "retract_requested", approvedBy = "approved_by", approvedAt = "approved_at", jobID = "job_id", version
        case createdBy = "created_by", createdAt = "created_at", updatedAt = "updated_at", finishedAt = "finished_at", history
    }

    init(_ report: Report, problems: [String] = [], history: [HistoryEntry]? = nil) {
        id = report.id
        caseID = report.caseID
        state = report.state.rawValue
        content = ReportContentJSON(report.content)
        files = report.files.map(ReportFileJSON.init)
        ncmec = NCMECJSON(reportID: report.remote.reportID, openedAt: report.remote.openedAt.map(Timestamp.iso8601),
                          expiresAt: report.state == .finished ? nil : report.remote.expiresAt.map(Timestamp.iso8601),
                          pendingCall: report.remote.pendingCall.map(RemoteCallJSON.init), abandoned: report.remote.abandoned, receipt: report.remote.receipt)
        credentialID = report.credentialID
        problem = report.problem.map(ReportProblemJSON.init)
        self.problems = report.state == .draft ? problems : []
        retractRequested = report.retractRequested
        approvedBy = report.approvedBy
        approvedAt = report.approvedAt.map(Timestamp.iso8601)
        jobID = report.jobID
        version = report.version
        createdBy = report.createdBy
        createdAt = Timestamp.iso8601(report.createdAt)
        updatedAt = Timestamp.iso8601(report.updatedAt)
        finishedAt = report.finishedAt.map(Timestamp.iso8601)
        self.history = history?.map(HistoryJSON.init)
    }
}

struct DraftBody: Decodable {
    let incidentType: IncidentType?
    let classification: IndustryClassification?
    let escalateToHighPriority: String?
    let additionalInfo: String?
    enum CodingKeys: String, CodingKey {
        case incidentType = "incident_type", classification, escalateToHighPriority = "escalate_to_high_priority", additionalInfo = "additional_info"
    }
}

struct EditBody: Decodable {
    let version: Int?
    let edit: ReportEdit
    enum CodingKeys: String, CodingKey { case version }
    init(from decoder: any Decoder) throws {
        version = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(Int.self, forKey: .version)
        edit = try ReportEditJSON(from: decoder).edit
    }
}

struct VersionBody: Decodable {
    let version: Int?
}

struct RetractBody: Decodable {
    let reason: String?
}
