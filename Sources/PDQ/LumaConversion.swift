/// RGB8 or grey8 → float luma, exactly as the reference's `fillFloatLumaFromRGB` / `fillFloatLumaFromGrey`.
enum LumaConversion {
    // The reference declares these `const float x = 0.299;`: a double literal rounded to float.
    static let fromR = Float(0.299 as Double)
    static let fromG = Float(0.587 as Double)
    static let fromB = Float(0.114 as Double)

    /// The C++ CLI's pre-resize: a side over 512 squashes the image to exactly 512×512 by nearest
    /// neighbour (CImg `resize(512, 512)`: source index `(x * W) >> 9`).
    static let referenceCLISide = 512

    /// Whether the reference CLI's pre-resize changes `view`.
    static func squashes(_ view: PixelView) -> Bool {
        view.width > referenceCLISide || view.height > referenceCLISide
    }

    /// The reference CLI's pre-resize and luma at once: a side over 512 squashes the image to
    /// exactly 512×512 by nearest neighbour, which equals resizing the 8-bit image first because
    /// both pick whole pixels. `out` holds 512×512.
    static func fillSquashed(_ view: PixelView, into out: UnsafeMutablePointer<Float>) {
        let side = referenceCLISide
        guard let base = view.bytes.baseAddress else { preconditionFailure("pixels of an image at least 5×5 have an address") }
        let bpp = view.layout.bytesPerPixel
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
    }

    /// Writes the luma of rows `first ..< first + count` of `view` into `out` (row-major,
    /// `view.width` wide).
    static func fillRows(_ view: PixelView, first: Int, count: Int, into out: UnsafeMutablePointer<Float>) {
        guard let base = view.bytes.baseAddress else { preconditionFailure("pixels of an image at least 5×5 have an address") }
        let cols = view.width
        for y in 0..<count {
            let sourceRow = base + (first + y) * view.rowStride
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

    /// `(0.299f*R + 0.587f*G) + 0.114f*B` in float, left to right as in C++.
    @inline(__always)
    static func luma(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Float {
        fromR * Float(r) + fromG * Float(g) + fromB * Float(b)
    }
}
