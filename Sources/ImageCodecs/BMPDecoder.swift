/// Windows BMP, uncompressed or with bit fields: 1, 4, 8, 16, 24 and 32 bits per pixel, bottom-up
/// or top-down. No Debian library decodes BMP on its own, and the format is small enough to read
/// here with every size checked against the input before use.
enum BMPDecoder {
    static func decode(_ bytes: UnsafeRawBufferPointer, limits: DecodeLimits) throws(ImageDecodingError) -> DecodedImage {
        let reader = ByteReader(bytes)
        func fail(_ reason: String) -> ImageDecodingError { .corrupt(format: .bmp, reason: reason) }

        guard bytes.count >= 26 else { throw fail("file shorter than its headers") }
        let dataOffset = Int(reader.u32(10))
        let headerSize = Int(reader.u32(14))
        let width: Int, signedHeight: Int, bitsPerPixel: Int, compression: UInt32, paletteEntrySize: Int
        switch headerSize {
        case 12: // OS/2 BITMAPCOREHEADER
            width = Int(reader.u16(18)); signedHeight = Int(reader.u16(20))
            bitsPerPixel = Int(reader.u16(24)); compression = 0; paletteEntrySize = 3
        case 40, 52, 56, 108, 124:
            guard bytes.count >= 14 + headerSize else { throw fail("file shorter than its headers") }
            width = Int(Int32(bitPattern: reader.u32(18))); signedHeight = Int(Int32(bitPattern: reader.u32(22)))
            bitsPerPixel = Int(reader.u16(28)); compression = reader.u32(30); paletteEntrySize = 4
        default:
            throw .unsupportedFeature(format: .bmp, feature: "a \(headerSize)-byte info header")
        }
        let topDown = signedHeight < 0
        let height = abs(signedHeight)
        try ImageSize(width: width, height: height).check(limits, format: .bmp)
        guard compression == 0 || compression == 3 || compression == 6 else {
            throw .unsupportedFeature(format: .bmp, feature: "compression \(compression) (RLE or embedded JPEG/PNG)")
        }
        guard [1, 4, 8, 16, 24, 32].contains(bitsPerPixel) else {
            throw .unsupportedFeature(format: .bmp, feature: "\(bitsPerPixel) bits per pixel")
        }

        // Channel masks: explicit bit fields, else the defaults for 16 (5-5-5) and 32 (8-8-8) bits.
        var masks: (UInt32, UInt32, UInt32) = bitsPerPixel == 16 ? (0x7C00, 0x03E0, 0x001F) : (0xFF0000, 0x00FF00, 0x0000FF)
        if compression != 0 {
            let maskOffset = headerSize == 40 ? 14 + 40 : 14 + 40
            guard bytes.count >= maskOffset + 12 else { throw fail("bit fields missing") }
            masks = (reader.u32(maskOffset), reader.u32(maskOffset + 4), reader.u32(maskOffset + 8))
        }

        var palette: [(UInt8, UInt8, UInt8)] = []
        if bitsPerPixel <= 8 {
            let declared = headerSize >= 40 ? Int(reader.u32(46)) : 0
            let entries = declared == 0 ? 1 << bitsPerPixel : min(declared, 1 << bitsPerPixel)
            let start = 14 + headerSize
            guard bytes.count >= start + entries * paletteEntrySize else { throw fail("palette is truncated") }
            palette = (0..<entries).map { i in
                let o = start + i * paletteEntrySize
                return (bytes[o + 2], bytes[o + 1], bytes[o])
            }
        }

        let rowBytes = ((width * bitsPerPixel + 31) / 32) * 4
        let (needed, overflow) = rowBytes.multipliedReportingOverflow(by: height)
        guard !overflow, dataOffset >= 0, dataOffset <= bytes.count, bytes.count - dataOffset >= needed else {
            throw fail("pixel data is truncated")
        }

        let pixels = [UInt8](unsafeUninitializedCapacity: width * height * 3) { out, initialized in
            for y in 0..<height {
                let sourceRow = dataOffset + (topDown ? y : height - 1 - y) * rowBytes
                for x in 0..<width {
                    let (r, g, b): (UInt8, UInt8, UInt8)
                    switch bitsPerPixel {
                    case 24:
                        let o = sourceRow + 3 * x
                        (r, g, b) = (bytes[o + 2], bytes[o + 1], bytes[o])
                    case 16, 32:
                        let v = bitsPerPixel == 16 ? UInt32(reader.u16(sourceRow + 2 * x)) : reader.u32(sourceRow + 4 * x)
                        (r, g, b) = (scale(v, masks.0), scale(v, masks.1), scale(v, masks.2))
                    default:
                        let bitOffset = x * bitsPerPixel
                        let byte = bytes[sourceRow + bitOffset / 8]
                        let shift = 8 - bitsPerPixel - bitOffset % 8
                        let index = Int(byte >> UInt8(shift)) & ((1 << bitsPerPixel) - 1)
                        (r, g, b) = index < palette.count ? palette[index] : (0, 0, 0)
                    }
                    let o = 3 * (y * width + x)
                    out[o] = r; out[o + 1] = g; out[o + 2] = b
                }
            }
            initialized = width * height * 3
        }
        return DecodedImage(format: .bmp, width: width, height: height, channels: .rgb, pixels: pixels)
    }

    /// Extracts a masked channel and scales it to 8 bits.
    private static func scale(_ value: UInt32, _ mask: UInt32) -> UInt8 {
        guard mask != 0 else { return 0 }
        let shift = mask.trailingZeroBitCount
        let bits = (mask >> UInt32(shift)).trailingOneBitCount
        let v = (value & mask) >> UInt32(shift)
        guard bits < 8 else { return UInt8(truncatingIfNeeded: v >> UInt32(bits - 8)) }
        let maxValue = (UInt32(1) << UInt32(bits)) - 1
        return UInt8((v * 255 + maxValue / 2) / maxValue)
    }
}
