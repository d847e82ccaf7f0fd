import CPNGShim

/// PNG through libpng (via the C shim that owns libpng's setjmp): 16-bit samples reduced to 8,
/// palettes expanded, alpha and tRNS dropped without compositing, grey kept grey.
enum PNGDecoder {
    static func decode(_ bytes: UnsafeRawBufferPointer, limits: DecodeLimits) throws(ImageDecodingError) -> DecodedImage {
        // IHDR must come first (PNG §5.6): judge its size before libpng reads any further.
        guard bytes.count >= 24, Array(bytes[12..<16]) == Array("IHDR".utf8) else {
            throw .corrupt(format: .png, reason: "IHDR is not the first chunk")
        }
        let reader = ByteReader(bytes)
        let declaredWidth = Int(reader.u32BigEndian(16)), declaredHeight = Int(reader.u32BigEndian(20))
        try ImageSize(width: declaredWidth, height: declaredHeight).check(limits, format: .png)

        let source = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var info = vigil_png_info()
        guard vigil_png_read_header(source, bytes.count, &info) == 0 else {
            throw .corrupt(format: .png, reason: message(&info))
        }
        let width = Int(info.width), height = Int(info.height)
        try ImageSize(width: width, height: height).check(limits, format: .png)
        let channels: PixelChannels = info.channels == 1 ? .grey : .rgb
        let count = width * height * channels.rawValue
        let pixels = try [UInt8].pixels(count: count) { (buffer) throws(ImageDecodingError) in
            guard vigil_png_decode(source, bytes.count, buffer.baseAddress, count, &info) == 0 else {
                throw .corrupt(format: .png, reason: message(&info))
            }
        }
        return DecodedImage(format: .png, width: width, height: height, channels: channels, pixels: pixels)
    }

    private static func message(_ info: inout vigil_png_info) -> String {
        withUnsafeBytes(of: &info.message) { raw in
            let text = String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            return text.isEmpty ? "libpng failed" : text
        }
    }
}
