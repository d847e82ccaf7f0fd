import CGIF

/// GIF through giflib: the first frame only, on the logical screen, transparency ignored (the
/// palette colour is kept), as Pillow's first frame converted to RGB.
enum GIFDecoder {
    static func decode(_ bytes: UnsafeRawBufferPointer, limits: DecodeLimits) throws(ImageDecodingError) -> DecodedImage {
        // giflib hands the cursor back to the callback through `UserData`.
        let source = MemoryCursor.allocate(over: bytes)
        defer { source.deallocate() }
        var status: Int32 = 0
        guard let gif = DGifOpen(source, { gif, out, wanted in
            guard let gif, let out, let cursor = gif.pointee.UserData?.assumingMemoryBound(to: MemoryCursor.self) else { return 0 }
            return Int32(cursor.pointee.read(into: out, Int(wanted)))
        }, &status) else {
            throw .corrupt(format: .gif, reason: errorText(status))
        }
        defer { DGifCloseFile(gif, &status) }

        let width = Int(gif.pointee.SWidth), height = Int(gif.pointee.SHeight)
        try ImageSize(width: width, height: height).check(limits, format: .gif)

        var record = UNDEFINED_RECORD_TYPE
        while true {
            guard DGifGetRecordType(gif, &record) == GIF_OK else {
                throw .corrupt(format: .gif, reason: errorText(gif.pointee.Error))
            }
            switch record {
            case IMAGE_DESC_RECORD_TYPE:
                return try firstFrame(gif, width: width, height: height, limits: limits)
            case EXTENSION_RECORD_TYPE:
                var code: Int32 = 0
                var block: UnsafeMutablePointer<GifByteType>?
                guard DGifGetExtension(gif, &code, &block) == GIF_OK else {
                    throw .corrupt(format: .gif, reason: errorText(gif.pointee.Error))
                }
                while block != nil {
                    guard DGifGetExtensionNext(gif, &block) == GIF_OK else {
                        throw .corrupt(format: .gif, reason: errorText(gif.pointee.Error))
                    }
                }
            case TERMINATE_RECORD_TYPE:
                throw .corrupt(format: .gif, reason: "the file holds no image")
            default:
                throw .corrupt(format: .gif, reason: "unexpected record")
            }
        }
    }

    private static func firstFrame(
        _ gif: UnsafeMutablePointer<GifFileType>, width: Int, height: Int, limits: DecodeLimits
    ) throws(ImageDecodingError) -> DecodedImage {
        guard DGifGetImageDesc(gif) == GIF_OK else {
            throw .corrupt(format: .gif, reason: errorText(gif.pointee.Error))
        }
        let frame = gif.pointee.Image
        let frameWidth = Int(frame.Width), frameHeight = Int(frame.Height)
        try ImageSize(width: frameWidth, height: frameHeight).check(limits, format: .gif)
        guard let colorMap = frame.ColorMap ?? gif.pointee.SColorMap, let colors = colorMap.pointee.Colors else {
            throw .corrupt(format: .gif, reason: "no colour table")
        }
        let colorCount = Int(colorMap.pointee.ColorCount)
        func rgb(_ index: Int) -> (UInt8, UInt8, UInt8) {
            guard index < colorCount else { return (0, 0, 0) }
            let c = colors[index]
            return (c.Red, c.Green, c.Blue)
        }

        var indices = [GifPixelType](repeating: 0, count: frameWidth)
        // Rows arrive in interlaced order when the frame is interlaced.
        let rowOrder: [Int] = frame.Interlace
            ? [(0, 8), (4, 8), (2, 4), (1, 2)].flatMap { start, step in Array(stride(from: start, to: frameHeight, by: step)) }
            : Array(0..<frameHeight)
        let background = rgb(Int(gif.pointee.SBackGroundColor))
        let left = Int(frame.Left), top = Int(frame.Top)

        let pixels = try [UInt8].pixels(count: width * height * 3) { (canvas) throws(ImageDecodingError) in
            for i in 0..<(width * height) {
                canvas[3 * i] = background.0; canvas[3 * i + 1] = background.1; canvas[3 * i + 2] = background.2
            }
            for y in rowOrder {
                let ok = indices.withUnsafeMutableBufferPointer { DGifGetLine(gif, $0.baseAddress, Int32(frameWidth)) }
                guard ok == GIF_OK else { throw .corrupt(format: .gif, reason: errorText(gif.pointee.Error)) }
                let canvasY = top + y
                guard canvasY >= 0, canvasY < height else { continue }
                for x in 0..<frameWidth {
                    let canvasX = left + x
                    guard canvasX >= 0, canvasX < width else { continue }
                    let (r, g, b) = rgb(Int(indices[x]))
                    let o = 3 * (canvasY * width + canvasX)
                    canvas[o] = r; canvas[o + 1] = g; canvas[o + 2] = b
                }
            }
        }
        return DecodedImage(format: .gif, width: width, height: height, channels: .rgb, pixels: pixels)
    }

    private static func errorText(_ code: Int32) -> String {
        guard let text = GifErrorString(code) else { return "giflib error \(code)" }
        return String(cString: text)
    }
}
