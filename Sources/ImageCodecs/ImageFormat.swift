public import ImageSignals

extension ImageFormat {
    /// Detects the format from magic bytes.
    /// - Throws: `ImageDecodingError.videoNotSupported` for a video container,
    ///   `.unsupportedFormat` for anything else that is not a supported still image.
    public static func detect(_ bytes: UnsafeRawBufferPointer) throws(ImageDecodingError) -> ImageFormat {
        let signature = Signature(bytes)
        if let format = signature.stillImage { return format }
        if let container = signature.video { throw .videoNotSupported(container: container) }
        throw .unsupportedFormat(hint: signature.otherKnownKind)
    }
}

/// The first bytes of a file, read for their magic numbers.
struct Signature {
    let head: [UInt8]
    let count: Int

    init(_ bytes: UnsafeRawBufferPointer) {
        head = Array(bytes.prefix(64))
        count = bytes.count
    }

    func starts(_ magic: [UInt8], at offset: Int = 0) -> Bool {
        head.count >= offset + magic.count && Array(head[offset..<(offset + magic.count)]) == magic
    }

    func ascii(_ text: String, at offset: Int = 0) -> Bool { starts(Array(text.utf8), at: offset) }

    var stillImage: ImageFormat? {
        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if ascii("GIF87a") || ascii("GIF89a") { return .gif }
        if ascii("RIFF") && ascii("WEBP", at: 8) { return .webp }
        if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A])
            || starts([0x49, 0x49, 0x2B, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2B]) { return .tiff }
        if ascii("BM") && head.count >= 18 { return .bmp }
        if let brands = isoBrands {
            if brands.contains("avif") || brands.contains("avis") { return brands.first == "avis" ? nil : .avif }
            let heifBrands: Set<String> = ["heic", "heix", "heim", "heis", "mif1", "msf1", "hevc", "hevx"]
            if let major = brands.first, heifBrands.contains(major) { return .heic }
        }
        return nil
    }

    /// The major brand first, then the compatible brands, of an ISO base media file (`ftyp` box).
    var isoBrands: [String]? {
        guard ascii("ftyp", at: 4), head.count >= 12 else { return nil }
        let boxSize = Int(head[0]) << 24 | Int(head[1]) << 16 | Int(head[2]) << 8 | Int(head[3])
        var brands = [String(decoding: head[8..<12], as: UTF8.self)]
        var offset = 16
        while offset + 4 <= min(boxSize, head.count) {
            brands.append(String(decoding: head[offset..<(offset + 4)], as: UTF8.self))
            offset += 4
        }
        return brands
    }

    var video: String? {
        if let brands = isoBrands {
            switch brands.first {
            case "qt  ": return "QuickTime"
            case "avis": return "AVIF image sequence"
            case "msf1", "hevc", "hevx": return "HEIF image sequence"
            default: return "MP4"
            }
        }
        if starts([0x1A, 0x45, 0xDF, 0xA3]) { return "Matroska/WebM" }
        if ascii("RIFF") && ascii("AVI ", at: 8) { return "AVI" }
        if ascii("FLV") { return "FLV" }
        if starts([0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11]) { return "ASF/WMV" }
        if starts([0x00, 0x00, 0x01, 0xBA]) || starts([0x00, 0x00, 0x01, 0xB3]) { return "MPEG" }
        if ascii("OggS") { return "Ogg" }
        return nil
    }

    var otherKnownKind: String? {
        if head.isEmpty { return "empty input" }
        if ascii("%PDF") { return "PDF document" }
        if ascii("<svg") || ascii("<?xml") { return "SVG/XML (vector images are not supported)" }
        if ascii("8BPS") { return "Photoshop document" }
        if starts([0x00, 0x00, 0x01, 0x00]) { return "ICO icon" }
        if ascii("P6") || ascii("P5") || ascii("P3") { return "PNM (not accepted from uploads)" }
        if ascii("PK") { return "ZIP archive" }
        return nil
    }
}
