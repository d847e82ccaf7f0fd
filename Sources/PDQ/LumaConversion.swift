/// RGB8 or grey8 → float luma, exactly as the reference's `fillFloatLumaFromRGB` / `fillFloatLumaFromGrey`.
enum LumaConversion {
    // The reference declares these `const float x = 0.299;`: a double literal rounded to float.
    static let fromR = Float(0.299 as Double)
    static let fromG = Float(0.587 as Double)
    static let fromB = Float(0.114 as Double)

    /// The C++ CLI's pre-resize: a side over 512 squashes the image to exactly 512×512 by nearest
    /// neighbour (CImg `resize(512, 512)`: source index `(x * W) >> 9`).
    static let referenceCLISide = 512

    /// Writes `view`'s luma into `out` (row-major) and returns its size. With `squash`, the
    /// nearest-neighbour pre-resize of the reference CLI is applied while converting, which equals
    /// resizing the 8-bit image first because both pick whole pixels.
    static func fill(
        _ view: PixelView, squash: Bool, into out: UnsafeMutablePointer<Float>
    ) -> (rows: Int, cols: Int) {
        let side = referenceCLISide
        let resize = squash && (view.width > side || view.height > side)
        let rows = resize ? side : view.height
        let cols = resize ? side : view.width
        let base = view.bytes.baseAddress!
        let bpp = view.layout.bytesPerPixel

        if resize {
            var columnOffsets = [Int](repeating: 0, count: side)
            for x in 0..<side { columnOffsets[x] = ((x * view.width) >> 9) * bpp }
            columnOffsets.withUnsafeBufferPointer { offsets in
                for y in 0..<side {
                    let sourceRow = base + ((y * view.height) >> 9) * view.rowStride
                    let target = out + y * side
                    switch view.layout {
                    case .rgb:
                        for x in 0..<side {
                            let p = sourceRow + offsets[x]
                            target[x] = luma(p[0], p[1], p[2])
                        }
                    case .grey:
                        for x in 0..<side { target[x] = Float(sourceRow[offsets[x]]) }
                    }
                }
            }
        } else {
            for y in 0..<rows {
                let sourceRow = base + y * view.rowStride
                let target = out + y * cols
                switch view.layout {
                case .rgb:
                    for x in 0..<cols {
                        let p = sourceRow + 3 * x
                        target[x] = luma(p[0], p[1], p[2])
                    }
                case .grey:
                    for x in 0..<cols { target[x] = Float(sourceRow[x]) }
                }
            }
        }
        return (rows, cols)
    }

    /// `(0.299f*R + 0.587f*G) + 0.114f*B` in float, left to right as in C++.
    @inline(__always)
    static func luma(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Float {
        fromR * Float(r) + fromG * Float(g) + fromB * Float(b)
    }
}
