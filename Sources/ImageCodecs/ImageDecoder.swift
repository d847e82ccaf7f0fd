import ImageSignals
/// Decodes still images to 8-bit pixels through Debian's C libraries, refusing anything over the
/// limits before allocating its pixels.
public struct ImageDecoder: Sendable {
    public var limits: DecodeLimits

    public init(limits: DecodeLimits = .default) {
        self.limits = limits
    }

    /// Options that trade exactness for speed; off by default.
    public struct Options: Sendable, Hashable {
        /// JPEG only: let libjpeg-turbo scale by 1/2, 1/4 or 1/8 during decoding (DCT scaling),
        /// keeping the short side at least `minimumShortSide`. Changes the hash by a few bits.
        public var jpegDCTScaling: Bool
        public var minimumShortSide: Int

        public static let exact = Options(jpegDCTScaling: false, minimumShortSide: 512)
        public static let fast = Options(jpegDCTScaling: true, minimumShortSide: 512)

        public init(jpegDCTScaling: Bool, minimumShortSide: Int) {
            self.jpegDCTScaling = jpegDCTScaling
            self.minimumShortSide = minimumShortSide
        }
    }

    public func decode(_ bytes: [UInt8], options: Options = .exact) throws(ImageDecodingError) -> DecodedImage {
        let result = bytes.withUnsafeBytes { raw in Result { () throws(ImageDecodingError) in try decode(raw, options: options) } }
        return try result.get()
    }

    /// The size the image declares, read from its headers without decoding a pixel: each
    /// decoder checks the declared size before it allocates, so decoding with no pixels allowed
    /// stops right there and says the size. Errors of the headers themselves are thrown as
    /// decoding would throw them.
    public func declaredSize(_ bytes: UnsafeRawBufferPointer) throws(ImageDecodingError) -> (width: Int, height: Int) {
        var probe = self
        probe.limits.maxPixels = 0
        do {
            _ = try probe.decode(bytes, options: .exact)
        } catch let .tooManyPixels(width, height, _) {
            return (width, height)
        }
        throw .corrupt(format: try ImageFormat.detect(bytes), reason: "the headers give no size")
    }

    public func decode(_ bytes: UnsafeRawBufferPointer, options: Options = .exact) throws(ImageDecodingError) -> DecodedImage {
        guard !bytes.isEmpty else { throw .empty }
        guard bytes.count <= limits.maxEncodedBytes else {
            throw .tooManyBytes(size: bytes.count, limit: limits.maxEncodedBytes)
        }
        let format = try ImageFormat.detect(bytes)
        switch format {
        case .jpeg: return try JPEGDecoder.decode(bytes, limits: limits, options: options)
        case .png: return try PNGDecoder.decode(bytes, limits: limits)
        case .gif: return try GIFDecoder.decode(bytes, limits: limits)
        case .webp: return try WebPDecoder.decode(bytes, limits: limits)
        case .tiff: return try TIFFDecoder.decode(bytes, limits: limits)
        case .bmp: return try BMPDecoder.decode(bytes, limits: limits)
        case .heic, .avif: return try HEIFDecoder.decode(bytes, format: format, limits: limits)
        }
    }
}
