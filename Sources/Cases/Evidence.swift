public import Foundation
public import JSONValues

/// One item of evidence: a match result (which bank or provider, which entry, how close) with
/// the image's signals and, when the image was kept, its stored file.
public struct Evidence: Sendable, Equatable {
    public var id: Int64
    public var caseID: Int64
    public var match: EvidenceMatch
    public var signals: EvidenceSignals
    /// The stored file's SHA-256 (`MediaStore`), nil when the image was not kept.
    public var mediaSHA256: String?
    public var fileName: String?
    public var sourceURL: String?
    public var addedBy: String
    public var addedAt: Date

    public init(id: Int64, caseID: Int64, match: EvidenceMatch, signals: EvidenceSignals, mediaSHA256: String?, fileName: String?,
                sourceURL: String?, addedBy: String, addedAt: Date) {
        self.id = id
        self.caseID = caseID
        self.match = match
        self.signals = signals
        self.mediaSHA256 = mediaSHA256
        self.fileName = fileName
        self.sourceURL = sourceURL
        self.addedBy = addedBy
        self.addedAt = addedAt
    }
}

/// Where a match came from: one of Vigil's banks, or a provider such as PhotoDNA.
public struct EvidenceMatch: Sendable, Equatable {
    /// `vigil` for the built-in banks, else the integration (`photodna`).
    public var provider: String
    public var bank: String?
    public var entryID: Int64?
    public var distance: Int?
    /// Which transform of the image matched (`original`, `rotate90`, …), when known.
    public var variant: String?
    /// The provider's own answer (PhotoDNA's source and violations), kept as given.
    public var detail: JSONValue

    public init(provider: String, bank: String? = nil, entryID: Int64? = nil, distance: Int? = nil, variant: String? = nil,
                detail: JSONValue = .object([:])) {
        self.provider = provider
        self.bank = bank
        self.entryID = entryID
        self.distance = distance
        self.variant = variant
        self.detail = detail
    }
}

/// The image's own signals, lowercase hex.
public struct EvidenceSignals: Sendable, Equatable {
    public var pdq: String?
    public var md5: String?
    public var sha256: String?

    public init(pdq: String? = nil, md5: String? = nil, sha256: String? = nil) {
        self.pdq = pdq
        self.md5 = md5
        self.sha256 = sha256
    }

    public var isEmpty: Bool { pdq == nil && md5 == nil && sha256 == nil }
}

public struct NewEvidence: Sendable, Equatable {
    public var match: EvidenceMatch
    public var signals: EvidenceSignals
    public var mediaSHA256: String?
    public var fileName: String?
    public var sourceURL: String?

    public init(match: EvidenceMatch, signals: EvidenceSignals, mediaSHA256: String? = nil, fileName: String? = nil, sourceURL: String? = nil) {
        self.match = match
        self.signals = signals
        self.mediaSHA256 = mediaSHA256
        self.fileName = fileName
        self.sourceURL = sourceURL
    }
}
