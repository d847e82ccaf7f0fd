public import PDQ

/// Every signal Vigil computes for one image.
public struct ContentSignals: Sendable, Hashable {
    public var pdq: PDQHash
    public var quality: Int
    /// The 8 dihedral hashes (reference order), when asked for.
    public var dihedral: [PDQHash]?
    /// Lowercase hex digests of the encoded bytes.
    public var md5: String
    public var sha256: String
    public var width: Int
    public var height: Int
    public var format: ImageFormat

    public init(pdq: PDQHash, quality: Int, dihedral: [PDQHash]? = nil, md5: String, sha256: String, width: Int, height: Int, format: ImageFormat) {
        self.pdq = pdq
        self.quality = quality
        self.dihedral = dihedral
        self.md5 = md5
        self.sha256 = sha256
        self.width = width
        self.height = height
        self.format = format
    }

    /// True when a side is under 5 pixels: PDQ gives hash 0 and quality 0 by definition.
    public var isTooSmallForPDQ: Bool {
        width < PDQHasher.minimumDimension || height < PDQHasher.minimumDimension
    }

    /// The PDQ hash to store or look up: none for an image too small to have one (its all-zero
    /// "hash" would stand for every tiny image).
    public var usablePDQ: PDQHash? { isTooSmallForPDQ ? nil : pdq }
}
