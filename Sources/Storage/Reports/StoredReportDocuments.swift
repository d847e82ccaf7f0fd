import Foundation
import Reports

// A report's JSON columns as stored: `content`, `files`, `remote`, `problem` and the settings
// row. Storage's own shapes, so a change to the API's wire format never changes what is on
// disk (nor stops an older row from reading back); their keys are those the rows were first
// written with.

struct StoredReportContent: Codable {
    var incidentType: IncidentType
    var incidentAt: Date
    var incidentDescription: String?
    var platform: String?
    var escalateToHighPriority: String?
    var annotations: [ReportAnnotation]
    var webPageURLs: [String]
    var reporter: StoredReporter
    var reportedPeople: [StoredReportedPerson]
    var additionalInfo: String?

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
        reporter = StoredReporter(content.reporter)
        reportedPeople = content.reportedPeople.map(StoredReportedPerson.init)
        additionalInfo = content.additionalInfo
    }

    var content: ReportContent {
        ReportContent(incidentType: incidentType, incidentAt: incidentAt, incidentDescription: incidentDescription, platform: platform,
                      escalateToHighPriority: escalateToHighPriority, annotations: annotations, webPageURLs: webPageURLs,
                      reporter: reporter.reporter, reportedPeople: reportedPeople.map(\.person), additionalInfo: additionalInfo)
    }
}

struct StoredReporter: Codable {
    var firstName: String?
    var lastName: String?
    var email: String?
    var phone: String?
    var contact: StoredContactPerson?
    var termsOfServiceURL: String?
    var legalURL: String?

    enum CodingKeys: String, CodingKey {
        case firstName = "first_name", lastName = "last_name", email, phone, contact
        case termsOfServiceURL = "terms_of_service_url", legalURL = "legal_url"
    }

    init(_ reporter: Reporter) {
        firstName = reporter.firstName
        lastName = reporter.lastName
        email = reporter.email
        phone = reporter.phone
        contact = reporter.contact.map(StoredContactPerson.init)
        termsOfServiceURL = reporter.termsOfServiceURL
        legalURL = reporter.legalURL
    }

    var reporter: Reporter {
        Reporter(firstName: firstName, lastName: lastName, email: email, phone: phone, contact: contact?.person,
                 termsOfServiceURL: termsOfServiceURL, legalURL: legalURL)
    }
}

struct StoredContactPerson: Codable {
    var firstName: String?
    var lastName: String?
    var email: String?
    var phone: String?

    enum CodingKeys: String, CodingKey { case firstName = "first_name", lastName = "last_name", email, phone }

    init(_ person: ContactPerson) {
        firstName = person.firstName
        lastName = person.lastName
        email = person.email
        phone = person.phone
    }

    var person: ContactPerson { ContactPerson(firstName: firstName, lastName: lastName, email: email, phone: phone) }
}

struct StoredReportedPerson: Codable {
    var espIdentifier: String
    var espService: String?
    var screenName: String?
    var email: String?
    var ipCaptureEvents: [StoredIPCaptureEvent]
    var accountDisabled: Bool

    enum CodingKeys: String, CodingKey {
        case espIdentifier = "esp_identifier", espService = "esp_service", screenName = "screen_name", email
        case ipCaptureEvents = "ip_capture_events", accountDisabled = "account_disabled"
    }

    init(_ person: ReportedPerson) {
        espIdentifier = person.espIdentifier
        espService = person.espService
        screenName = person.screenName
        email = person.email
        ipCaptureEvents = person.ipCaptureEvents.map(StoredIPCaptureEvent.init)
        accountDisabled = person.accountDisabled
    }

    var person: ReportedPerson {
        ReportedPerson(espIdentifier: espIdentifier, espService: espService, screenName: screenName, email: email,
                       ipCaptureEvents: ipCaptureEvents.map(\.event), accountDisabled: accountDisabled)
    }
}

struct StoredIPCaptureEvent: Codable {
    var ipAddress: String
    var eventName: IPCaptureEvent.Name?
    var at: Date?
    var port: Int?

    enum CodingKeys: String, CodingKey { case ipAddress = "ip_address", eventName = "event_name", at, port }

    init(_ event: IPCaptureEvent) {
        ipAddress = event.ipAddress
        eventName = event.eventName
        at = event.at
        port = event.port
    }

    var event: IPCaptureEvent { IPCaptureEvent(ipAddress: ipAddress, eventName: eventName, at: at, port: port) }
}

struct StoredReportFile: Codable {
    var evidenceID: Int64
    var mediaSHA256: String
    var originalFileName: String?
    var md5: String?
    var sha256: String?
    var pdq: String?
    var uploadedAt: Date?
    var locationOfFile: String?
    var viewedByEsp: Bool
    var publiclyAvailable: Bool?
    var classification: IndustryClassification?
    var annotations: [FileAnnotation]
    var additionalInfo: String?
    var fileID: String?
    var receivedMD5: String?
    var detailsSent: Bool

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

    var file: ReportFile {
        ReportFile(evidenceID: evidenceID, mediaSHA256: mediaSHA256, originalFileName: originalFileName, md5: md5, sha256: sha256, pdq: pdq,
                   uploadedAt: uploadedAt, locationOfFile: locationOfFile, viewedByEsp: viewedByEsp, publiclyAvailable: publiclyAvailable,
                   classification: classification, annotations: annotations, additionalInfo: additionalInfo, fileID: fileID,
                   receivedMD5: receivedMD5, detailsSent: detailsSent)
    }
}

struct StoredRemoteProgress: Codable {
    var reportID: Int64?
    var openedAt: Date?
    var modifiedAt: Date?
    var pendingCall: StoredRemoteCall?
    var abandoned: [Int64]
    var receipt: String?
    var failures: Int
    var restarts: Int
    var closedOut: Bool

    enum CodingKeys: String, CodingKey {
        case reportID = "report_id", openedAt = "opened_at", modifiedAt = "modified_at", pendingCall = "pending_call", abandoned, receipt, failures, restarts
        case closedOut = "closed_out"
    }

    init(_ remote: RemoteProgress) {
        reportID = remote.reportID
        openedAt = remote.openedAt
        modifiedAt = remote.modifiedAt
        pendingCall = remote.pendingCall.map(StoredRemoteCall.init)
        abandoned = remote.abandoned
        receipt = remote.receipt
        failures = remote.failures
        restarts = remote.restarts
        closedOut = remote.closedOut
    }

    var remote: RemoteProgress {
        RemoteProgress(reportID: reportID, openedAt: openedAt, modifiedAt: modifiedAt, pendingCall: pendingCall?.call, abandoned: abandoned,
                       receipt: receipt, failures: failures, restarts: restarts, closedOut: closedOut)
    }
}

/// The call under way (`{"call": "upload", "file": 2}`): committed before it is made, so a
/// process that dies during it knows, on recovery, which call to ask NCMEC about.
struct StoredRemoteCall: Codable {
    let call: RemoteCall

    init(_ call: RemoteCall) { self.call = call }

    enum CodingKeys: String, CodingKey { case call, file, report }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .call) {
        case "submit": call = .submit
        case "upload": call = .upload(try container.decode(Int.self, forKey: .file))
        case "fileinfo": call = .fileInfo(try container.decode(Int.self, forKey: .file))
        case "finish": call = .finish
        case "retract": call = .retract(try container.decode(Int64.self, forKey: .report))
        case let other: throw DecodingError.dataCorruptedError(forKey: .call, in: container, debugDescription: "unknown call \(other)")
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(call.endpoint, forKey: .call)
        try container.encodeIfPresent(call.file, forKey: .file)
        try container.encodeIfPresent(call.retractedReport, forKey: .report)
    }
}

struct StoredReportProblem: Codable {
    var kind: ReportProblem.Kind
    var message: String
    var code: Int?
    var during: ReportState

    init(_ problem: ReportProblem) {
        kind = problem.kind
        message = problem.message
        code = problem.code
        during = problem.during
    }

    var problem: ReportProblem { ReportProblem(kind: kind, message: message, code: code, during: during) }
}

struct StoredReportingSettings: Codable {
    var espService: String?
    var platform: String?
    var reporter: StoredReporter?
    var credentialID: String?
    var autoApproveVerified: Bool?
    var defaultIncidentType: IncidentType?
    var requireSecondApprover: Bool?

    enum CodingKeys: String, CodingKey {
        case espService = "esp_service", platform, reporter, credentialID = "credential_id", autoApproveVerified = "auto_approve_verified"
        case defaultIncidentType = "default_incident_type", requireSecondApprover = "require_second_approver"
    }

    init(_ settings: ReportingSettings) {
        espService = settings.espService
        platform = settings.platform
        reporter = StoredReporter(settings.reporter)
        credentialID = settings.credentialID
        autoApproveVerified = settings.autoApproveVerified
        defaultIncidentType = settings.defaultIncidentType
        requireSecondApprover = settings.requireSecondApprover
    }

    var settings: ReportingSettings {
        ReportingSettings(espService: espService, platform: platform, reporter: reporter?.reporter ?? Reporter(), credentialID: credentialID,
                          autoApproveVerified: autoApproveVerified ?? false, defaultIncidentType: defaultIncidentType ?? .childPornography,
                          requireSecondApprover: requireSecondApprover ?? false)
    }
}
