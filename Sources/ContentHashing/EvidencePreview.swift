public import ImageCodecs

/// The preview of an evidence image that reviewers see by default: greyscale, reduced to a
/// 12-pixel grid and blurred back up to a thumbnail, so shapes of light and dark remain and the
/// content cannot be made out. The original is shown only on an explicit, recorded reveal.
public enum EvidencePreview {
    /// The preview's long side, in pixels.
    public static let size = 192
    /// Cells along the long side before blurring back up: what is left of the image's detail.
    static let cells = 12

    public static func render(_ decoded: DecodedImage) throws -> [UInt8] {
        let grey = luminance(decoded)
        let (gridW, gridH) = fit(decoded.width, decoded.height, longSide: cells)
        let grid = average(grey, width: decoded.width, height: decoded.height, to: gridW, gridH)
        let (width, height) = fit(decoded.width, decoded.height, longSide: size)
        var pixels = upscale(grid, gridW, gridH, to: width, height)
        for _ in 0..<3 { pixels = boxBlur(pixels, width: width, height: height, radius: max(2, size / cells / 2)) }
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            rgb[3 * i] = pixels[i]
            rgb[3 * i + 1] = pixels[i]
            rgb[3 * i + 2] = pixels[i]
        }
        return try JPEGEncoder.encode(rgb: rgb, width: width, height: height, quality: 80)
    }

    static func fit(_ width: Int, _ height: Int, longSide: Int) -> (Int, Int) {
        let long = max(width, height, 1)
        return (max(1, width * longSide / long), max(1, height * longSide / long))
    }

    static func luminance(_ image: DecodedImage) -> [UInt8] {
        guard image.channels == .rgb else { return image.pixels }
        var grey = [UInt8](repeating: 0, count: image.width * image.height)
        image.pixels.withUnsafeBufferPointer { rgb in
            for i in 0..<grey.count {
                let r = Int(rgb[3 * i]), g = Int(rgb[3 * i + 1]), b = Int(rgb[3 * i + 2])
                grey[i] = UInt8((299 * r + 587 * g + 114 * b) / 1000)
            }
        }
        return grey
    }

    /// Each cell the mean of the source pixels it covers.
    static func average(_ grey: [UInt8], width: Int, height: Int, to cellsW: Int, _ cellsH: Int) -> [Double] {
        var sums = [Double](repeating: 0, count: cellsW * cellsH)
        var counts = [Double](repeating: 0, count: cellsW * cellsH)
        for y in 0..<height {
            let cy = min(cellsH - 1, y * cellsH / max(1, height))
            for x in 0..<width {
                let cell = cy * cellsW + min(cellsW - 1, x * cellsW / max(1, width))
                sums[cell] += Double(grey[y * width + x])
                counts[cell] += 1
            }
        }
        return zip(sums, counts).map { $1 > 0 ? $0 / $1 : 0 }
    }

    /// Bilinear from the cell grid to the thumbnail.
    static func upscale(_ grid: [Double], _ gridW: Int, _ gridH: Int, to width: Int, _ height: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: width * height)
        for y in 0..<height {
            let fy = max(0, (Double(y) + 0.5) * Double(gridH) / Double(height) - 0.5)
            let y0 = min(gridH - 1, Int(fy)), y1 = min(gridH - 1, y0 + 1), ty = fy - Double(y0)
            for x in 0..<width {
                let fx = max(0, (Double(x) + 0.5) * Double(gridW) / Double(width) - 0.5)
                let x0 = min(gridW - 1, Int(fx)), x1 = min(gridW - 1, x0 + 1), tx = fx - Double(x0)
                let top = grid[y0 * gridW + x0] * (1 - tx) + grid[y0 * gridW + x1] * tx
                let bottom = grid[y1 * gridW + x0] * (1 - tx) + grid[y1 * gridW + x1] * tx
                out[y * width + x] = UInt8(max(0, min(255, (top * (1 - ty) + bottom * ty).rounded())))
            }
        }
        return out
    }

    static func boxBlur(_ pixels: [UInt8], width: Int, height: Int, radius: Int) -> [UInt8] {
        var horizontal = [UInt8](repeating: 0, count: pixels.count)
        for y in 0..<height {
            for x in 0..<width {
                var sum = 0, count = 0
                for dx in -radius...radius where x + dx >= 0 && x + dx < width {
                    sum += Int(pixels[y * width + x + dx])
                    count += 1
                }
                horizontal[y * width + x] = UInt8(sum / count)
            }
        }
        var out = [UInt8](repeating: 0, count: pixels.count)
        for y in 0..<height {
            for x in 0..<width {
                var sum = 0, count = 0
                for dy in -radius...radius where y + dy >= 0 && y + dy < height {
                    sum += Int(horizontal[(y + dy) * width + x])
                    count += 1
                }
                out[y * width + x] = UInt8(sum / count)
            }
        }
        return out
    }
}

extension ContentHasher {
    /// Decodes an evidence image and renders its preview (on the hashing pool's thread).
    public func preview(of bytes: [UInt8]) throws -> [UInt8] {
        // The preview is made inside the admission: the decoded pixels are held until it is done.
        let rendered = try admitted(bytes) { () throws(ImageDecodingError) -> Result<[UInt8], any Error> in
            let image = try decoder.decode(bytes, options: .fast)
            return Result { try EvidencePreview.render(image) }
        }
        return try rendered.get()
    }
}
