import CWebP

/// WebP through libwebp. Alpha is dropped (the colour under it is kept, not composited).
enum WebPDecoder {
    static func decode(_ bytes: UnsafeRawBufferPointer, limits: DecodeLimits) throws(ImageDecodingError) -> DecodedImage {
        let source = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var features = WebPBitstreamFeatures()
        let status = WebPGetFeaturesInternal(source, bytes.count, &features, WEBP_DECODER_ABI_VERSION)
        guard status == VP8_STATUS_OK else {
            throw .corrupt(format: .webp, reason: "libwebp status \(status.rawValue) reading the header")
        }
        if features.has_animation != 0 {
            throw .unsupportedFeature(format: .webp, feature: "animation (only still images are supported)")
        }
        let width = Int(features.width), height = Int(features.height)
        try ImageSize(width: width, height: height).check(limits, format: .webp)
        let count = width * height * 3
        let pixels = try [UInt8].pixels(count: count) { (buffer) throws(ImageDecodingError) in
            guard WebPDecodeRGBInto(source, bytes.count, buffer.baseAddress, count, Int32(width * 3)) != nil else {
                throw .corrupt(format: .webp, reason: "libwebp could not decode the bitstream")
            }
        }
        return DecodedImage(format: .webp, width: width, height: height, channels: .rgb, pixels: pixels)
    }
}
