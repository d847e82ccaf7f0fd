import CTIFF

/// TIFF through libtiff, read from memory: the first directory (page), through libtiff's RGBA
/// interface, which handles every photometric interpretation and bit depth. Grey stays grey.
enum TIFFDecoder {
    /// libtiff's handlers are global; silence them once (errors still come back as return codes).
    private static let quietHandlers: Void = {
        _ = TIFFSetErrorHandler(nil)
        _ = TIFFSetWarningHandler(nil)
    }()

    static func decode(_ bytes: UnsafeRawBufferPointer, limits: DecodeLimits) throws(ImageDecodingError) -> DecodedImage {
        _ = quietHandlers
        let source = MemoryCursor.allocate(over: bytes)
        defer { source.deallocate() }

        guard let tiff = TIFFClientOpen(
            "memory", "rm", source,
            { handle, buffer, size in
                tmsize_t(handle!.assumingMemoryBound(to: MemoryCursor.self).pointee.read(into: buffer!, Int(size)))
            },
            { _, _, _ in 0 },
            { handle, offset, whence in
                let cursor = handle!.assumingMemoryBound(to: MemoryCursor.self)
                let start = whence == SEEK_CUR ? cursor.pointee.offset : whence == SEEK_END ? cursor.pointee.count : 0
                return cursor.pointee.seek(from: start, by: Int(truncatingIfNeeded: offset)).map(toff_t.init) ?? toff_t.max
            },
            { _ in 0 },
            { handle in toff_t(handle!.assumingMemoryBound(to: MemoryCursor.self).pointee.count) },
            { _, _, _ in 0 },
            { _, _, _ in }
        ) else {
            throw .corrupt(format: .tiff, reason: "libtiff could not read the header")
        }
        defer { TIFFClose(tiff) }

        let width = Int(field(tiff, TIFFTAG_IMAGEWIDTH, as: UInt32.self) ?? 0)
        let height = Int(field(tiff, TIFFTAG_IMAGELENGTH, as: UInt32.self) ?? 0)
        try ImageSize(width: width, height: height).check(limits, format: .tiff)
        let photometric = field(tiff, TIFFTAG_PHOTOMETRIC, as: UInt16.self)
        let grey = photometric == UInt16(PHOTOMETRIC_MINISBLACK) || photometric == UInt16(PHOTOMETRIC_MINISWHITE)

        let bits = field(tiff, TIFFTAG_BITSPERSAMPLE, as: UInt16.self) ?? 1
        let samples = Int(field(tiff, TIFFTAG_SAMPLESPERPIXEL, as: UInt16.self) ?? 1)
        let planar = field(tiff, TIFFTAG_PLANARCONFIG, as: UInt16.self) ?? UInt16(PLANARCONFIG_CONTIG)
        let plainRGB = photometric == UInt16(PHOTOMETRIC_RGB) && samples >= 3
        let plainGrey = photometric == UInt16(PHOTOMETRIC_MINISBLACK) && samples >= 1
        if bits == 8, planar == UInt16(PLANARCONFIG_CONTIG), TIFFIsTiled(tiff) == 0, plainRGB || plainGrey {
            // Read the samples as stored and drop the extra ones: libtiff's RGBA path would
            // premultiply unassociated alpha into the colour.
            return try scanlines(tiff, width: width, height: height, samples: samples, channels: plainRGB ? .rgb : .grey)
        }
        return try rgbaImage(tiff, width: width, height: height, grey: grey)
    }

    private static func scanlines(
        _ tiff: OpaquePointer, width: Int, height: Int, samples: Int, channels: PixelChannels
    ) throws(ImageDecodingError) -> DecodedImage {
        let lineSize = Int(TIFFScanlineSize(tiff))
        guard lineSize >= width * samples else { throw .corrupt(format: .tiff, reason: "scanline shorter than its width") }
        var line = [UInt8](repeating: 0, count: lineSize)
        let keep = channels.rawValue
        let pixels = try [UInt8].pixels(count: width * height * keep) { (out) throws(ImageDecodingError) in
            for y in 0..<height {
                let ok = line.withUnsafeMutableBytes { TIFFReadScanline(tiff, $0.baseAddress, UInt32(y), 0) }
                guard ok == 1 else { throw .corrupt(format: .tiff, reason: "could not read row \(y)") }
                for x in 0..<width {
                    for c in 0..<keep { out[(y * width + x) * keep + c] = line[x * samples + c] }
                }
            }
        }
        return DecodedImage(format: .tiff, width: width, height: height, channels: channels, pixels: pixels)
    }

    /// Every other layout (palette, YCbCr, CMYK, 1/4/16-bit, tiled, planar) through libtiff's RGBA
    /// interface.
    private static func rgbaImage(
        _ tiff: OpaquePointer, width: Int, height: Int, grey: Bool
    ) throws(ImageDecodingError) -> DecodedImage {
        var raster = [UInt32](repeating: 0, count: width * height)
        let ok = raster.withUnsafeMutableBufferPointer {
            TIFFReadRGBAImageOriented(tiff, UInt32(width), UInt32(height), $0.baseAddress, Int32(ORIENTATION_TOPLEFT), 1)
        }
        guard ok == 1 else { throw .corrupt(format: .tiff, reason: "libtiff could not decode the image data") }

        // Raster words are ABGR: R in the low byte. Alpha is dropped.
        let channels: PixelChannels = grey ? .grey : .rgb
        let pixels = [UInt8](unsafeUninitializedCapacity: width * height * channels.rawValue) { out, initialized in
            for i in 0..<(width * height) {
                let v = raster[i]
                if grey {
                    out[i] = UInt8(truncatingIfNeeded: v)
                } else {
                    out[3 * i] = UInt8(truncatingIfNeeded: v)
                    out[3 * i + 1] = UInt8(truncatingIfNeeded: v >> 8)
                    out[3 * i + 2] = UInt8(truncatingIfNeeded: v >> 16)
                }
            }
            initialized = width * height * channels.rawValue
        }
        return DecodedImage(format: .tiff, width: width, height: height, channels: channels, pixels: pixels)
    }

    /// TIFFGetField is variadic, which Swift cannot call; TIFFVGetField takes the va_list.
    private static func field<T: FixedWidthInteger>(_ tiff: OpaquePointer, _ tag: Int32, as _: T.Type) -> T? {
        var value: T = 0
        let found = withUnsafeMutablePointer(to: &value) { pointer in
            withVaList([pointer]) { TIFFVGetField(tiff, UInt32(tag), $0) }
        }
        return found == 1 ? value : nil
    }
}
