/// The organisation's reporting details, kept in the database (every replica reports the same
/// way): who reports, for which service, with which credential, and whether reports of verified
/// matches may go without a person's approval.
public struct ReportingSettings: Sendable, Equatable {
    /// The service's name at NCMEC (`espService`) and the default `platform`.
    public var espService: String?
    public var platform: String?
    public var reporter: Reporter
    /// The `ncmec_cybertipline` credential reports are sent with; nil: the only one there is.
    public var credentialID: String?
    /// Approve a report without a person when every file matched a bank labelled `verified`.
    public var autoApproveVerified: Bool
    public var defaultIncidentType: IncidentType
    /// Four eyes: a report is approved by a person who neither drafted nor edited it (and never
    /// without a person, so it cannot be on with `autoApproveVerified`).
    public var requireSecondApprover: Bool

    public init(espService: String? = nil, platform: String? = nil, reporter: Reporter = Reporter(), credentialID: String? = nil,
                autoApproveVerified: Bool = false, defaultIncidentType: IncidentType = .childPornography, requireSecondApprover: Bool = false) {
        self.espService = espService
        self.platform = platform
        self.reporter = reporter
        self.credentialID = credentialID
        self.autoApproveVerified = autoApproveVerified
        self.defaultIncidentType = defaultIncidentType
        self.requireSecondApprover = requireSecondApprover
    }

    /// What keeps a report from being sent, worded for the administrator.
    public func problems() -> [String] {
        var problems: [String] = []
        if (reporter.email ?? "").isEmpty { problems.append("reporter.email is required: NCMEC's schema needs the reporting person's email") }
        if let email = reporter.email, !email.isEmpty, !ReportChecks.isEmail(email) { problems.append("reporter.email \(email) is not an email address") }
        if let email = reporter.contact?.email, !ReportChecks.isEmail(email) { problems.append("reporter.contact.email \(email) is not an email address") }
        for (name, url) in [("reporter.terms_of_service_url", reporter.termsOfServiceURL), ("reporter.legal_url", reporter.legalURL)] {
            if let url, !ReportChecks.isWebURL(url) { problems.append("\(name) must be an http(s) URL") }
        }
        return problems
    }
}
