public import Foundation

/// What a report says apart from its files: the incident, who reports, who is reported.
public struct ReportContent: Sendable, Equatable {
    public var incidentType: IncidentType
    /// When it happened (UTC; written with `Z`, never in the future).
    public var incidentAt: Date
    public var incidentDescription: String?
    /// The application where the content was found.
    public var platform: String?
    /// Any text escalates the report to high priority at NCMEC.
    public var escalateToHighPriority: String?
    public var annotations: [ReportAnnotation]
    /// Web pages where the content was (`internetDetails/webPageIncident`).
    public var webPageURLs: [String]
    public var reporter: Reporter
    public var reportedPeople: [ReportedPerson]
    public var additionalInfo: String?

    public init(incidentType: IncidentType = .childPornography, incidentAt: Date, incidentDescription: String? = nil, platform: String? = nil,
                escalateToHighPriority: String? = nil, annotations: [ReportAnnotation] = [], webPageURLs: [String] = [], reporter: Reporter,
                reportedPeople: [ReportedPerson] = [], additionalInfo: String? = nil) {
        self.incidentType = incidentType
        self.incidentAt = incidentAt
        self.incidentDescription = incidentDescription
        self.platform = platform
        self.escalateToHighPriority = escalateToHighPriority
        self.annotations = annotations
        self.webPageURLs = webPageURLs
        self.reporter = reporter
        self.reportedPeople = reportedPeople
        self.additionalInfo = additionalInfo
    }
}

/// The XSD's `incidentType` values, exactly.
public enum IncidentType: String, Sendable, Codable, CaseIterable {
    case childPornography = "Child Pornography (possession, manufacture, and distribution)"
    case childSexTrafficking = "Child Sex Trafficking"
    case childSexTourism = "Child Sex Tourism"
    case childSexualMolestation = "Child Sexual Molestation"
    case misleadingDomainName = "Misleading Domain Name"
    case misleadingWordsOrImages = "Misleading Words or Digital Images on the Internet"
    case onlineEnticement = "Online Enticement of Children for Sexual Acts"
    case unsolicitedObsceneMaterial = "Unsolicited Obscene Material Sent to a Child"
}

/// `reportAnnotations` flags.
public enum ReportAnnotation: String, Sendable, Codable, CaseIterable {
    case sextortion, csamSolicitation, minorToMinorInteraction, spam, sadisticOnlineExploitation
}

/// The reporting person (email required by the schema) and the organisation around them.
public struct Reporter: Sendable, Equatable {
    public var firstName: String?
    public var lastName: String?
    public var email: String?
    public var phone: String?
    /// Whom law enforcement should contact, when not the reporting person.
    public var contact: ContactPerson?
    public var termsOfServiceURL: String?
    public var legalURL: String?

    public init(firstName: String? = nil, lastName: String? = nil, email: String? = nil, phone: String? = nil, contact: ContactPerson? = nil,
                termsOfServiceURL: String? = nil, legalURL: String? = nil) {
        self.firstName = firstName
        self.lastName = lastName
        self.email = email
        self.phone = phone
        self.contact = contact
        self.termsOfServiceURL = termsOfServiceURL
        self.legalURL = legalURL
    }
}

public struct ContactPerson: Sendable, Equatable {
    public var firstName: String?
    public var lastName: String?
    public var email: String?
    public var phone: String?

    public init(firstName: String? = nil, lastName: String? = nil, email: String? = nil, phone: String? = nil) {
        self.firstName = firstName
        self.lastName = lastName
        self.email = email
        self.phone = phone
    }
}

/// The user reported (`personOrUserReported`), from the case's linked account.
public struct ReportedPerson: Sendable, Equatable {
    public var espIdentifier: String
    public var espService: String?
    public var screenName: String?
    public var email: String?
    public var ipCaptureEvents: [IPCaptureEvent]
    /// The account is blocked on the platform.
    public var accountDisabled: Bool

    public init(espIdentifier: String, espService: String? = nil, screenName: String? = nil, email: String? = nil,
                ipCaptureEvents: [IPCaptureEvent] = [], accountDisabled: Bool = false) {
        self.espIdentifier = espIdentifier
        self.espService = espService
        self.screenName = screenName
        self.email = email
        self.ipCaptureEvents = ipCaptureEvents
        self.accountDisabled = accountDisabled
    }
}

/// An IP address the user was seen at.
public struct IPCaptureEvent: Sendable, Equatable {
    public enum Name: String, Sendable, Codable, CaseIterable { case Login, Registration, Purchase, Upload, Other, Unknown }
    public var ipAddress: String
    public var eventName: Name?
    public var at: Date?
    public var port: Int?

    public init(ipAddress: String, eventName: Name? = nil, at: Date? = nil, port: Int? = nil) {
        self.ipAddress = ipAddress
        self.eventName = eventName
        self.at = at
        self.port = port
    }
}
