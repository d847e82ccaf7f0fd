public import Foundation

/// A change to a draft: every field given replaces the draft's. `viewed_by_esp` is not among
/// them: it is the reveal audit's to say.
public struct ReportEdit: Sendable {
    public var incidentType: IncidentType?
    public var incidentAt: Date?
    public var incidentDescription: String?
    public var platform: String?
    public var escalateToHighPriority: String?
    public var annotations: [ReportAnnotation]?
    public var webPageURLs: [String]?
    public var reporter: Reporter?
    public var reportedPeople: [ReportedPerson]?
    public var additionalInfo: String?
    public var files: [FileEdit]?

    public init(incidentType: IncidentType? = nil, incidentAt: Date? = nil, incidentDescription: String? = nil, platform: String? = nil,
                escalateToHighPriority: String? = nil, annotations: [ReportAnnotation]? = nil, webPageURLs: [String]? = nil,
                reporter: Reporter? = nil, reportedPeople: [ReportedPerson]? = nil, additionalInfo: String? = nil, files: [FileEdit]? = nil) {
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
        self.files = files
    }

    /// One file's reviewer choices, by the evidence it comes from.
    public struct FileEdit: Sendable {
        public var evidenceID: Int64
        public var classification: IndustryClassification?
        public var annotations: [FileAnnotation]?
        public var publiclyAvailable: Bool?
        public var originalFileName: String?
        public var additionalInfo: String?
        /// False leaves the file out of the report.
        public var include: Bool?

        public init(evidenceID: Int64, classification: IndustryClassification? = nil, annotations: [FileAnnotation]? = nil,
                    publiclyAvailable: Bool? = nil, originalFileName: String? = nil, additionalInfo: String? = nil, include: Bool? = nil) {
            self.evidenceID = evidenceID
            self.classification = classification
            self.annotations = annotations
            self.publiclyAvailable = publiclyAvailable
            self.originalFileName = originalFileName
            self.additionalInfo = additionalInfo
            self.include = include
        }
    }

    /// Applies the edit; throws when a file it names is not in the report.
    func apply(to report: inout Report) throws {
        var content = report.content
        if let incidentType { content.incidentType = incidentType }
        if let incidentAt { content.incidentAt = incidentAt }
        if let incidentDescription { content.incidentDescription = incidentDescription.isEmpty ? nil : incidentDescription }
        if let platform { content.platform = platform.isEmpty ? nil : platform }
        if let escalateToHighPriority { content.escalateToHighPriority = escalateToHighPriority.isEmpty ? nil : escalateToHighPriority }
        if let annotations { content.annotations = annotations }
        if let webPageURLs { content.webPageURLs = webPageURLs }
        if let reporter { content.reporter = reporter }
        if let reportedPeople { content.reportedPeople = reportedPeople }
        if let additionalInfo { content.additionalInfo = additionalInfo.isEmpty ? nil : additionalInfo }
        report.content = content
        for edit in files ?? [] {
            guard let index = report.files.firstIndex(where: { $0.evidenceID == edit.evidenceID }) else {
                throw ReportError.invalid("evidence \(edit.evidenceID) is not a file of report \(report.id) (its files: "
                                          + report.files.map { String($0.evidenceID) }.joined(separator: ", ") + ")")
            }
            if edit.include == false {
                report.files.remove(at: index)
                continue
            }
            if let classification = edit.classification { report.files[index].classification = classification }
            if let annotations = edit.annotations { report.files[index].annotations = annotations }
            if let publiclyAvailable = edit.publiclyAvailable { report.files[index].publiclyAvailable = publiclyAvailable }
            if let name = edit.originalFileName { report.files[index].originalFileName = name.isEmpty ? nil : name }
            if let info = edit.additionalInfo { report.files[index].additionalInfo = info.isEmpty ? nil : info }
        }
    }
}
