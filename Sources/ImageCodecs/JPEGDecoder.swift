import CTurboJPEG

/// JPEG through libjpeg-turbo's TurboJPEG API: accurate integer DCT and fancy upsampling, the
/// defaults Pillow and ImageMagick use, so the pixels (and so the PDQ hashes) agree with theirs.
enum JPEGDecoder {
    static func decode(
        _ bytes: UnsafeRawBufferPointer, limits: DecodeLimits, options: ImageDecoder.Options
    ) throws(ImageDecodingError) -> DecodedImage {
        guard let handle = tjInitDecompress() else {
            throw .corrupt(format: .jpeg, reason: "libjpeg-turbo could not start")
        }
        defer { tjDestroy(handle) }
        let source = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let size = UInt(bytes.count)

        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        guard tjDecompressHeader3(handle, source, size, &width, &height, &subsampling, &colorspace) == 0 else {
            throw .corrupt(format: .jpeg, reason: message(handle))
        }
        try ImageSize(width: Int(width), height: Int(height)).check(limits, format: .jpeg)

        let (outWidth, outHeight) = options.jpegDCTScaling
            ? scaledSize(width: width, height: height, minimumShortSide: options.minimumShortSide)
            : (width, height)

        let pixelFormat: TJPF
        let channels: PixelChannels
        switch Int(colorspace) {
        case Int(TJCS_GRAY.rawValue):
            (pixelFormat, channels) = (TJPF_GRAY, .grey)
        case Int(TJCS_CMYK.rawValue), Int(TJCS_YCCK.rawValue):
            (pixelFormat, channels) = (TJPF_CMYK, .rgb)
        default:
            (pixelFormat, channels) = (TJPF_RGB, .rgb)
        }
        let sampleCount = pixelFormat == TJPF_CMYK ? 4 : channels.rawValue
        let outputBytes = Int(outWidth) * Int(outHeight) * sampleCount

        var decoded = try [UInt8].pixels(count: outputBytes) { (buffer) throws(ImageDecodingError) in
            let status = tjDecompress2(handle, source, size, buffer.baseAddress, outWidth, 0, outHeight,
                                       Int32(pixelFormat.rawValue), 0)
            guard status != 0 else { return }
            // A warning still yields an image; truncation is the one warning that means lost pixels.
            let text = message(handle)
            if tjGetErrorCode(handle) != Int32(TJERR_WARNING.rawValue) || text.contains("Premature end") {
                throw .corrupt(format: .jpeg, reason: text)
            }
        }
        if pixelFormat == TJPF_CMYK { decoded = cmykToRGB(decoded) }
        return DecodedImage(format: .jpeg, width: Int(outWidth), height: Int(outHeight),
                            channels: channels, pixels: decoded, sourceWidth: Int(width), sourceHeight: Int(height))
    }

    /// The largest DCT scaling (1/2, 1/4, 1/8) that keeps the short side at least `minimumShortSide`.
    static func scaledSize(width: Int32, height: Int32, minimumShortSide: Int) -> (Int32, Int32) {
        var best = (width, height)
        for denominator in [2, 4, 8] as [Int32] {
            // TJSCALED: ceil(dimension * num / denom).
            let w = (width + denominator - 1) / denominator
            let h = (height + denominator - 1) / denominator
            if Int(min(w, h)) >= minimumShortSide { best = (w, h) }
        }
        return best
    }

    /// Adobe CMYK JPEGs store inverted ink values; R = C·K/255 on those, as Pillow converts them.
    static func cmykToRGB(_ cmyk: [UInt8]) -> [UInt8] {
        let count = cmyk.count / 4
        return [UInt8](unsafeUninitializedCapacity: count * 3) { out, initialized in
            for i in 0..<count {
                let k = UInt32(cmyk[4 * i + 3])
                for c in 0..<3 { out[3 * i + c] = UInt8(UInt32(cmyk[4 * i + c]) * k / 255) }
            }
            initialized = count * 3
        }
    }

    static func message(_ handle: tjhandle) -> String {
        guard let text = tjGetErrorStr2(handle) else { return "unknown libjpeg-turbo error" }
        return String(cString: text)
    }
}
