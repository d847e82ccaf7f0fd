public import ImageSignals
/// Channels of a decoded image. Grey images stay grey so that PDQ takes its grey path.
public enum PixelChannels: Int, Sendable, Hashable, Codable {
    case grey = 1
    case rgb = 3
}

/// 8-bit pixels, row-major and tightly packed. Alpha has been dropped (not composited) and EXIF
/// orientation ignored, as the PDQ reference and the hash lists made with it do.
public struct DecodedImage: Sendable {
    public let format: ImageFormat
    public let width: Int
    public let height: Int
    public let channels: PixelChannels
    public let pixels: [UInt8]
    /// The size the file declares; larger than `width`×`height` only when the decoder scaled
    /// down on request (JPEG DCT scaling).
    public let sourceWidth: Int
    public let sourceHeight: Int

    public init(format: ImageFormat, width: Int, height: Int, channels: PixelChannels, pixels: [UInt8],
                sourceWidth: Int? = nil, sourceHeight: Int? = nil) {
        precondition(pixels.count == width * height * channels.rawValue, "pixel buffer matches its size")
        self.format = format
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
        self.sourceWidth = sourceWidth ?? width
        self.sourceHeight = sourceHeight ?? height
    }
}

/// What a decoder may be asked to do. Checked before any pixel memory is allocated.
public struct DecodeLimits: Sendable, Hashable, Codable {
    public var maxEncodedBytes: Int
    public var maxPixels: Int

    public static let `default` = DecodeLimits(maxEncodedBytes: 32 * 1024 * 1024, maxPixels: 100_000_000)

    public init(maxEncodedBytes: Int, maxPixels: Int) {
        self.maxEncodedBytes = maxEncodedBytes
        self.maxPixels = maxPixels
    }
}

/// A decoded size, checked against the limits.
struct ImageSize {
    let width: Int
    let height: Int

    func check(_ limits: DecodeLimits, format: ImageFormat) throws(ImageDecodingError) {
        guard width > 0, height > 0 else {
            throw .corrupt(format: format, reason: "header gives a size of \(width)×\(height)")
        }
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, pixels <= limits.maxPixels else {
            throw .tooManyPixels(width: width, height: height, limit: limits.maxPixels)
        }
    }
}

public enum ImageDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    case empty
    case tooManyBytes(size: Int, limit: Int)
    case tooManyPixels(width: Int, height: Int, limit: Int)
    case videoNotSupported(container: String)
    case unsupportedFormat(hint: String?)
    case unsupportedFeature(format: ImageFormat, feature: String)
    case corrupt(format: ImageFormat, reason: String)
    /// The process's decoding memory is taken by images already being decoded: try again soon.
    case memoryBusy(neededBytes: Int, budgetBytes: Int)

    public var description: String {
        switch self {
        case .empty:
            "the input is empty"
        case let .tooManyBytes(size, limit):
            "the image is \(size) bytes, over the limit of \(limit) bytes"
        case let .tooManyPixels(width, height, limit):
            "the image is \(width)×\(height) pixels, over the limit of \(limit) pixels"
        case let .videoNotSupported(container):
            "this is a video (\(container)); only still images are supported"
        case let .unsupportedFormat(hint):
            "not a supported image format (JPEG, PNG, GIF, WebP, TIFF, BMP, HEIC, AVIF)"
                + (hint.map { ": looks like \($0)" } ?? "")
        case let .unsupportedFeature(format, feature):
            "\(format.rawValue.uppercased()) with \(feature) is not supported"
        case let .corrupt(format, reason):
            "corrupt or truncated \(format.rawValue.uppercased()): \(reason)"
        case let .memoryBusy(needed, budget):
            "decoding this image takes about \(needed / 1_048_576) MiB and the server's decoding memory (\(budget / 1_048_576) MiB) "
                + "is in use by other images: try again in a moment"
        }
    }

    /// A stable machine-readable code for APIs.
    public var code: String {
        switch self {
        case .empty: "empty"
        case .tooManyBytes: "too_many_bytes"
        case .tooManyPixels: "too_many_pixels"
        case .videoNotSupported: "video_not_supported"
        case .unsupportedFormat: "unsupported_format"
        case .unsupportedFeature: "unsupported_feature"
        case .corrupt: "corrupt_image"
        case .memoryBusy: "decode_memory_busy"
        }
    }
}

extension Array where Element == UInt8 {
    /// An uninitialised pixel buffer filled by `body`, which must write every byte.
    static func pixels<E: Error>(
        count: Int, _ body: (UnsafeMutableBufferPointer<UInt8>) throws(E) -> Void
    ) throws(E) -> [UInt8] {
        var failure: E?
        let result = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            do throws(E) {
                try body(buffer)
                initialized = count
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return result
    }
}
