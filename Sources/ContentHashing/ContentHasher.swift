import Basics
public import ImageCodecs
public import PDQ
public import ImageSignals
import Crypto

/// Bytes → decoded pixels → PDQ, MD5 and SHA-256. Owns a PDQ scratch buffer, so give each task
/// its own; it is cheap to create.
public final class ContentHasher {
    public let decoder: ImageDecoder
    private let pdq = PDQHasher()
    /// The process's decoding memory, when it has a budget (a server does; a command need not).
    let budget: DecodeMemoryBudget?
    /// Whether an image that does not fit the budget waits for it (background work) or is
    /// turned away at once (a request).
    let waitsForMemory: Bool

    public init(limits: DecodeLimits = .default, budget: DecodeMemoryBudget? = nil, waitsForMemory: Bool = false) {
        self.decoder = ImageDecoder(limits: limits)
        self.budget = budget
        self.waitsForMemory = waitsForMemory
    }

    /// Runs `body` (which decodes `bytes`) once the image's declared size is admitted by the budget.
    func admitted<T>(_ bytes: [UInt8], _ body: () throws(ImageDecodingError) -> T) throws(ImageDecodingError) -> T {
        guard let budget else { return try body() }
        let size = try bytes.withUnsafeBytes { raw in Result { () throws(ImageDecodingError) in try decoder.declaredSize(raw) } }.get()
        let ticket = try budget.admit(DecodeMemoryBudget.cost(width: size.width, height: size.height), wait: waitsForMemory)
        defer { budget.release(ticket) }
        return try body()
    }

    public func signals(
        of bytes: [UInt8],
        pipeline: PDQPipeline = .fullResolution,
        dihedral: Bool = false,
        decodeOptions: ImageDecoder.Options = .exact
    ) throws(ImageDecodingError) -> ContentSignals {
        let (image, pdqResult, variants) = try admitted(bytes) { () throws(ImageDecodingError) in
            let image = try decoder.decode(bytes, options: decodeOptions)
            let (pdqResult, variants) = perceptualHash(image, pipeline: pipeline, dihedral: dihedral)
            return (image, pdqResult, variants)
        }
        return ContentSignals(
            pdq: pdqResult.hash, quality: pdqResult.quality, dihedral: variants,
            md5: Self.hex(Insecure.MD5.hash(data: bytes)), sha256: Self.hex(SHA256.hash(data: bytes)),
            width: image.sourceWidth, height: image.sourceHeight, format: image.format)
    }

    /// PDQ of already-decoded pixels, with the dihedral set when asked for.
    public func perceptualHash(
        _ image: DecodedImage, pipeline: PDQPipeline = .fullResolution, dihedral: Bool = false
    ) -> (PDQResult, [PDQHash]?) {
        image.pixels.withUnsafeBufferPointer { bytes in
            let view = PixelView(bytes: bytes, width: image.width, height: image.height,
                                 layout: image.channels == .grey ? .grey : .rgb)
            if dihedral {
                let all = pdq.dihedralHashes(view, pipeline: pipeline)
                return (PDQResult(hash: all[.original], quality: all.quality), all.hashes)
            }
            return (pdq.hash(view, pipeline: pipeline), nil)
        }
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 { Hex.encode(Array(digest)) }
}

@available(*, unavailable, message: "a ContentHasher owns PDQ scratch memory: give each task its own")
extension ContentHasher: Sendable {}
