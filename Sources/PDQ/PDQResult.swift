/// How pixels reach the PDQ core.
public enum PDQPipeline: String, Sendable, CaseIterable, Codable {
    /// Full resolution, no pre-resize: pdqhash, python-threatexchange and HMA hash this way.
    case fullResolution = "fullres"
    /// The C++ reference CLI: a side over 512 squashes the image to exactly 512×512 by nearest neighbour.
    case referenceCLI = "reference-cli"
}

/// One PDQ hash with its quality (0 ... 100).
public struct PDQResult: Sendable, Hashable {
    public var hash: PDQHash
    public var quality: Int

    public init(hash: PDQHash, quality: Int) {
        self.hash = hash
        self.quality = quality
    }

    /// The conventional gate below which a hash is too featureless to match on.
    public static let defaultQualityThreshold = 50
}

/// The eight dihedral variants, in the reference's order.
public enum DihedralVariant: Int, Sendable, CaseIterable, Codable, CustomStringConvertible {
    case original = 0
    case rotate90
    case rotate180
    case rotate270
    case flipX
    case flipY
    case flipPlus1
    case flipMinus1

    public var description: String {
        switch self {
        case .original: "original"
        case .rotate90: "rotate90"
        case .rotate180: "rotate180"
        case .rotate270: "rotate270"
        case .flipX: "flipx"
        case .flipY: "flipy"
        case .flipPlus1: "flipplus1"
        case .flipMinus1: "flipminus1"
        }
    }
}

/// The eight dihedral hashes of one image (one downsample, one DCT) and their common quality.
public struct PDQDihedralResult: Sendable, Hashable {
    /// Indexed by `DihedralVariant.rawValue`.
    public var hashes: [PDQHash]
    public var quality: Int

    public init(hashes: [PDQHash], quality: Int) {
        precondition(hashes.count == 8, "a dihedral result has 8 hashes")
        self.hashes = hashes
        self.quality = quality
    }

    public subscript(variant: DihedralVariant) -> PDQHash { hashes[variant.rawValue] }
}
