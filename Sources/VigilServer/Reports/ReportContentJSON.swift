import Foundation
import Reports

// What a report says, as the API shows and takes it (and `vigil report edit` / `settings`,
// which take the API's JSON): the content, the reporter, the reported people.

package struct ReportContentJSON: Encodable {
    let incidentType: IncidentType
    let incidentAt: Date
    let incidentDescription: String?
    let platform: String?
    let escalateToHighPriority: String?
    let annotations: [ReportAnnotation]
    let webPageURLs: [String]
    let reporter: ReporterJSON
    let reportedPeople: [ReportedPersonJSON]
    let additionalInfo: String?

    enum CodingKeys: String, CodingKey {
        case incidentType = "incident_type", incidentAt = "incident_at", incidentDescription = "incident_description", platform
        case escalateToHighPriority = "escalate_to_high_priority", annotations, webPageURLs = "web_page_urls", reporter
        case reportedPeople = "reported_people", additionalInfo = "additional_info"
    }

    init(_ content: ReportContent) {
        incidentType = content.incidentType
        incidentAt = content.incidentAt
        incidentDescription = content.incidentDescription
        platform = content.platform
        escalateToHighPriority = content.escalateToHighPriority
        annotations = content.annotations
        webPageURLs = content.webPageURLs
        reporter = ReporterJSON(content.reporter)
        reportedPeople = content.reportedPeople.map(ReportedPersonJSON.init)
        additionalInfo = content.additionalInfo
    }
}

package struct ReporterJSON: Codable {
    let firstName: String?
    let lastName: String?
    let email: String?
    let phone: String?
    let contact: ContactPersonJSON?
    let termsOfServiceURL: String?
    let legalURL: String?

    enum CodingKeys: String, CodingKey {
        case firstName = "first_name", lastName = "last_name", email, phone, contact
        case termsOfServiceURL = "terms_of_service_url", legalURL = "legal_url"
    }

    init(_ reporter: Reporter) {
        firstName = reporter.firstName
        lastName = reporter.lastName
        email = reporter.email
        phone = reporter.phone
        contact = reporter.contact.map(ContactPersonJSON.init)
        termsOfServiceURL = reporter.termsOfServiceURL
        legalURL = reporter.legalURL
    }

    var reporter: Reporter {
        Reporter(firstName: firstName, lastName: lastName, email: email, phone: phone, contact: contact?.person,
                 termsOfServiceURL: termsOfServiceURL, legalURL: legalURL)
    }
}

package struct ContactPersonJSON: Codable {
    let firstName: String?
    let lastName: String?
    let email: String?
    let phone: String?

    enum CodingKeys: String, CodingKey { case firstName = "first_name", lastName = "last_name", email, phone }

    init(_ person: ContactPerson) {
        firstName = person.firstName
        lastName = person.lastName
        email = person.email
        phone = person.phone
    }

    var person: ContactPerson { ContactPerson(firstName: firstName, lastName: lastName, email: email, phone: phone) }
}

package struct ReportedPersonJSON: Codable {
    let espIdentifier: String
    let espService: String?
    let screenName: String?
    let email: String?
    let ipCaptureEvents: [IPCaptureEventJSON]
    let accountDisabled: Bool

    enum CodingKeys: String, CodingKey {
        case espIdentifier = "esp_identifier", espService = "esp_service", screenName = "screen_name", email
        case ipCaptureEvents = "ip_capture_events", accountDisabled = "account_disabled"
    }

    init(_ person: ReportedPerson) {
        espIdentifier = person.espIdentifier
        espService = person.espService
        screenName = person.screenName
        email = person.email
        ipCaptureEvents = person.ipCaptureEvents.map(IPCaptureEventJSON.init)
        accountDisabled = person.accountDisabled
    }

    var person: ReportedPerson {
        ReportedPerson(espIdentifier: espIdentifier, espService: espService, screenName: screenName, email: email,
                       ipCaptureEvents: ipCaptureEvents.map(\.event), accountDisabled: accountDisabled)
    }
}

package struct IPCaptureEventJSON: Codable {
    let ipAddress: String
    let eventName: IPCaptureEvent.Name?
    let at: Date?
    let port: Int?

    enum CodingKeys: String, CodingKey { case ipAddress = "ip_address", eventName = "event_name", at, port }

    init(_ event: IPCaptureEvent) {
        ipAddress = event.ipAddress
        eventName = event.eventName
        at = event.at
        port = event.port
    }

    var event: IPCaptureEvent { IPCaptureEvent(ipAddress: ipAddress, eventName: eventName, at: at, port: port) }
}

/// A file of a report: which evidence, its hashes, how it is classified, and NCMEC's side of it.
struct ReportFileJSON: Encodable {
    let evidenceID: Int64
    let mediaSHA256: String
    let originalFileName: String?
    let md5: String?
    let sha256: String?
    let pdq: String?
    let uploadedAt: Date?
    let locationOfFile: String?
    let viewedByEsp: Bool
    let publiclyAvailable: Bool?
    let classification: IndustryClassification?
    let annotations: [FileAnnotation]
    let additionalInfo: String?
    let fileID: String?
    let receivedMD5: String?
    let detailsSent: Bool

    enum CodingKeys: String, CodingKey {
        case evidenceID = "evidence_id", mediaSHA256 = "media_sha256", originalFileName = "original_file_name", md5, sha256, pdq
        case uploadedAt = "uploaded_at", locationOfFile = "location_of_file", viewedByEsp = "viewed_by_esp", publiclyAvailable = "publicly_available"
        case classification, annotations, additionalInfo = "additional_info", fileID = "file_id", receivedMD5 = "received_md5"
        case detailsSent = "details_sent"
    }

    init(_ file: ReportFile) {
        evidenceID = file.evidenceID
        mediaSHA256 = file.mediaSHA256
        originalFileName = file.originalFileName
        md5 = file.md5
        sha256 = file.sha256
        pdq = file.pdq
        uploadedAt = file.uploadedAt
        locationOfFile = file.locationOfFile
        viewedByEsp = file.viewedByEsp
        publiclyAvailable = file.publiclyAvailable
        classification = file.classification
        annotations = file.annotations
        additionalInfo = file.additionalInfo
        fileID = file.fileID
        receivedMD5 = file.receivedMD5
        detailsSent = file.detailsSent
    }
}

/// Why a report stopped, and what it needs.
struct ReportProblemJSON: Encodable {
    let kind: ReportProblem.Kind
    let message: String
    let code: Int?
    let during: ReportState

    init(_ problem: ReportProblem) {
        kind = problem.kind
        message = problem.message
        code = problem.code
        during = problem.during
    }
}

/// The call to NCMEC under way: `{"call": "upload", "file": 2}`.
struct RemoteCallJSON: Encodable {
    let call: RemoteCall

    enum CodingKeys: String, CodingKey { case call, file, report }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(call.endpoint, forKey: .call)
        try container.encodeIfPresent(call.file, forKey: .file)
        try container.encodeIfPresent(call.retractedReport, forKey: .report)
    }
}
