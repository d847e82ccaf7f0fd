public import Foundation

/// One file of a report: an evidence file of the case, what NCMEC is told about it, and the
/// id NCMEC gave it.
public struct ReportFile: Sendable, Equatable {
    /// The case's evidence item it comes from.
    public var evidenceID: Int64
    /// The kept, encrypted original that is uploaded.
    public var mediaSHA256: String
    public var originalFileName: String?
    public var md5: String?
    public var sha256: String?
    public var pdq: String?
    /// When the user uploaded it to the platform (the evidence's time).
    public var uploadedAt: Date?
    public var locationOfFile: String?
    /// True only when a person revealed the original (the reveal audit says so): it has legal
    /// weight (ncmec.md §3.6), so it is never set by hand.
    public var viewedByEsp: Bool
    public var publiclyAvailable: Bool?
    public var classification: IndustryClassification?
    public var annotations: [FileAnnotation]
    public var additionalInfo: String?
    /// From NCMEC's `/upload` answer.
    public var fileID: String?
    /// The MD5 NCMEC computed of what it received.
    public var receivedMD5: String?
    public var detailsSent: Bool

    public init(evidenceID: Int64, mediaSHA256: String, originalFileName: String? = nil, md5: String? = nil, sha256: String? = nil, pdq: String? = nil,
                uploadedAt: Date? = nil, locationOfFile: String? = nil, viewedByEsp: Bool = false, publiclyAvailable: Bool? = nil,
                classification: IndustryClassification? = nil, annotations: [FileAnnotation] = [], additionalInfo: String? = nil,
                fileID: String? = nil, receivedMD5: String? = nil, detailsSent: Bool = false) {
        self.evidenceID = evidenceID
        self.mediaSHA256 = mediaSHA256
        self.originalFileName = originalFileName
        self.md5 = md5
        self.sha256 = sha256
        self.pdq = pdq
        self.uploadedAt = uploadedAt
        self.locationOfFile = locationOfFile
        self.viewedByEsp = viewedByEsp
        self.publiclyAvailable = publiclyAvailable
        self.classification = classification
        self.annotations = annotations
        self.additionalInfo = additionalInfo
        self.fileID = fileID
        self.receivedMD5 = receivedMD5
        self.detailsSent = detailsSent
    }

    /// NCMEC's side cleared: the file is uploaded afresh to a new report.
    mutating func forgetRemote() {
        fileID = nil
        receivedMD5 = nil
        detailsSent = false
    }
}

/// The industry classification (A = prepubescent, B = pubescent; 1 = sex act, 2 = lascivious
/// exhibition), chosen by the reviewer.
public enum IndustryClassification: String, Sendable, Codable, CaseIterable {
    case a1 = "A1", a2 = "A2", b1 = "B1", b2 = "B2"
}

/// `fileAnnotations` flags (ncmec.md §1.5), in the XSD's names.
public enum FileAnnotation: String, Sendable, Codable, CaseIterable {
    case animeDrawingVirtualHentai, potentialMeme, viral, possibleSelfProduction, physicalHarm, violenceGore, bestiality, liveStreaming, infant
    case generativeAi
}
