public import Banks
import Basics

/// One entry as the change export carries it: the wire format that the exporting Vigil writes
/// and the following Vigil reads. Signals and identifiers only: a curator's note and who added
/// the entry stay with the organisation that wrote them.
public struct ExportedEntry: Codable, Sendable, Equatable {
    public var id: Int64
    public var pdq: String?
    public var pdqQuality: Int?
    public var md5: String?
    public var sha256: String?
    public var externalID: String?
    public var source: String?
    public var extra: [String: String]?
    public var disabledUntil: String?

    enum CodingKeys: String, CodingKey {
        case id, pdq, pdqQuality = "pdq_quality", md5, sha256, externalID = "external_id", source, extra, disabledUntil = "disabled_until"
    }

    public init(_ entry: BankEntry) {
        id = entry.id
        pdq = entry.signals.pdq?.hex
        pdqQuality = entry.signals.pdqQuality
        md5 = entry.signals.md5
        sha256 = entry.signals.sha256
        externalID = entry.metadata.externalID
        source = entry.metadata.source
        extra = entry.metadata.extra
        disabledUntil = entry.disabledUntil.map(Timestamp.iso8601)
    }

    /// Every key always present (null when unset), so followers see one fixed shape.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(pdq, forKey: .pdq)
        try c.encode(pdqQuality, forKey: .pdqQuality)
        try c.encode(md5, forKey: .md5)
        try c.encode(sha256, forKey: .sha256)
        try c.encode(externalID, forKey: .externalID)
        try c.encode(source, forKey: .source)
        try c.encode(extra ?? [:], forKey: .extra)
        try c.encode(disabledUntil, forKey: .disabledUntil)
    }
}
