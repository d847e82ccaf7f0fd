import ImageSignals
import CHeif

/// HEIC and AVIF through libheif (libde265 and dav1d/aom underneath): the primary image, with
/// container rotations and mirrors ignored, as EXIF orientation is ignored for JPEG.
enum HEIFDecoder {
    static func decode(
        _ bytes: UnsafeRawBufferPointer, format: ImageFormat, limits: DecodeLimits
    ) throws(ImageDecodingError) -> DecodedImage {
        guard let context = heif_context_alloc() else {
            throw .corrupt(format: format, reason: "libheif could not start")
        }
        defer { heif_context_free(context) }
        try check(heif_context_read_from_memory_without_copy(context, bytes.baseAddress, bytes.count, nil), format)

        var handle: OpaquePointer?
        try check(heif_context_get_primary_image_handle(context, &handle), format)
        defer { heif_image_handle_release(handle) }
        let width = Int(heif_image_handle_get_width(handle))
        let height = Int(heif_image_handle_get_height(handle))
        try ImageSize(width: width, height: height).check(limits, format: format)

        let options = heif_decoding_options_alloc()
        defer { heif_decoding_options_free(options) }
        options?.pointee.ignore_transformations = 1
        var image: OpaquePointer?
        try check(heif_decode_image(handle, &image, heif_colorspace_RGB, heif_chroma_interleaved_RGB, options), format)
        defer { heif_image_release(image) }

        var stride: Int32 = 0
        let decodedWidth = Int(heif_image_get_width(image, heif_channel_interleaved))
        let decodedHeight = Int(heif_image_get_height(image, heif_channel_interleaved))
        guard let plane = heif_image_get_plane_readonly(image, heif_channel_interleaved, &stride),
              decodedWidth > 0, decodedHeight > 0 else {
            throw .corrupt(format: format, reason: "libheif returned no RGB plane")
        }
        try ImageSize(width: decodedWidth, height: decodedHeight).check(limits, format: format)
        let rowBytes = decodedWidth * 3
        let pixels = [UInt8](unsafeUninitializedCapacity: rowBytes * decodedHeight) { out, initialized in
            for y in 0..<decodedHeight {
                (out.baseAddress! + y * rowBytes).update(from: plane + y * Int(stride), count: rowBytes)
            }
            initialized = rowBytes * decodedHeight
        }
        return DecodedImage(format: format, width: decodedWidth, height: decodedHeight, channels: .rgb, pixels: pixels)
    }

    private static func check(_ error: heif_error, _ format: ImageFormat) throws(ImageDecodingError) {
        guard error.code != heif_error_Ok else { return }
        let text = error.message.map { String(cString: $0) } ?? "libheif error \(error.code.rawValue)"
        if error.code == heif_error_Unsupported_feature || error.code == heif_error_Unsupported_filetype {
            throw .unsupportedFeature(format: format, feature: text)
        }
        throw .corrupt(format: format, reason: text)
    }
}
