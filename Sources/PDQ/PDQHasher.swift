/// Computes PDQ hashes bit-for-bit as Meta's C++ reference (`pdqHash256FromFloatLuma`).
///
/// One hasher owns its scratch memory and reuses it across calls, so hashing allocates nothing in
/// the steady state. It is not thread-safe: give each task its own (they are cheap when idle).
public final class PDQHasher {
    /// Images with a side under this get hash 0 and quality 0, as in the reference.
    public static let minimumDimension = 5

    private var buffer1 = ScratchBuffer()   // luma, then the blur's ping-pong plane
    private var buffer2 = ScratchBuffer()
    private var narrow = ScratchBuffer()     // two rows × 64 planes for the sampled second pass
    private var columnSums = ScratchBuffer()
    private let block64: UnsafeMutablePointer<Float>     // 64×64 after decimation
    private let block16x64: UnsafeMutablePointer<Float>
    private let block16: UnsafeMutablePointer<Float>     // 16×16 DCT
    private let block16Aux: UnsafeMutablePointer<Float>

    public init() {
        block64 = .allocate(capacity: 64 * 64)
        block16x64 = .allocate(capacity: 16 * 64)
        block16 = .allocate(capacity: 256)
        block16Aux = .allocate(capacity: 256)
    }

    deinit {
        block64.deallocate()
        block16x64.deallocate()
        block16.deallocate()
        block16Aux.deallocate()
    }

    private func reserve(_ count: Int) {
        buffer1.reserve(count)
        buffer2.reserve(count)
    }

    // MARK: public entry points

    /// The PDQ hash of 8-bit pixels.
    public func hash(_ pixels: PixelView, pipeline: PDQPipeline = .fullResolution) -> PDQResult {
        guard let (rows, cols) = loadLuma(pixels, pipeline: pipeline) else {
            return PDQResult(hash: .zero, quality: 0)
        }
        let quality = downsampleAndTransform(rows: rows, cols: cols, allowBypass: true)
        return PDQResult(hash: DCT16.bits(block16), quality: quality)
    }

    /// The eight dihedral hashes of 8-bit pixels, from one downsample and one DCT.
    public func dihedralHashes(_ pixels: PixelView, pipeline: PDQPipeline = .fullResolution) -> PDQDihedralResult {
        guard let (rows, cols) = loadLuma(pixels, pipeline: pipeline) else {
            return PDQDihedralResult(hashes: Array(repeating: .zero, count: 8), quality: 0)
        }
        // The reference's dihedral entry point has no 64×64 bypass.
        let quality = downsampleAndTransform(rows: rows, cols: cols, allowBypass: false)
        let hashes = DihedralVariant.allCases.map { variant in
            DCT16.dihedral(variant, block16, block16Aux)
            return DCT16.bits(block16Aux)
        }
        return PDQDihedralResult(hashes: hashes, quality: quality)
    }

    /// The PDQ hash of float luma (the reference library's entry point; no pre-resize).
    public func hash(luma: UnsafeBufferPointer<Float>, width: Int, height: Int) -> PDQResult {
        precondition(luma.count >= width * height, "luma buffer holds width × height values")
        guard width >= Self.minimumDimension, height >= Self.minimumDimension else {
            return PDQResult(hash: .zero, quality: 0)
        }
        reserve(width * height)
        buffer1.pointer.update(from: luma.baseAddress!, count: width * height)
        let quality = downsampleAndTransform(rows: height, cols: width, allowBypass: true)
        return PDQResult(hash: DCT16.bits(block16), quality: quality)
    }

    /// The blurred, decimated 64×64 luma `hash` transforms (for tests that compare it bit for bit).
    func downsampled(_ pixels: PixelView) -> [Float]? {
        guard let (rows, cols) = loadLuma(pixels, pipeline: .fullResolution) else { return nil }
        if rows == 64 && cols == 64 { return Array(UnsafeBufferPointer(start: buffer1.pointer, count: 64 * 64)) }
        blurAndDecimate(rows: rows, cols: cols)
        return Array(UnsafeBufferPointer(start: block64, count: 64 * 64))
    }

    // MARK: pipeline

    private func loadLuma(_ pixels: PixelView, pipeline: PDQPipeline) -> (Int, Int)? {
        guard pixels.width >= Self.minimumDimension, pixels.height >= Self.minimumDimension else { return nil }
        let squash = pipeline == .referenceCLI
        let side = LumaConversion.referenceCLISide
        let resized = squash && (pixels.width > side || pixels.height > side)
        reserve(resized ? side * side : pixels.width * pixels.height)
        return LumaConversion.fill(pixels, squash: squash, into: buffer1.pointer)
    }

    /// Luma in `buffer1` → blurred 64×64 in `block64` → DCT in `block16`; returns the quality.
    private func downsampleAndTransform(rows: Int, cols: Int, allowBypass: Bool) -> Int {
        if allowBypass && rows == 64 && cols == 64 {
            block64.update(from: buffer1.pointer, count: 64 * 64)
        } else {
            blurAndDecimate(rows: rows, cols: cols)
        }
        let quality = DCT16.quality(block64)
        DCT16.transform(block64, block16x64, block16)
        return quality
    }

    private func blurAndDecimate(rows: Int, cols: Int) {
        let alongRows = BoxWindow(forDimension: cols)
        let alongCols = BoxWindow(forDimension: rows)
        let sampleRows = JaroszFilter.samplePositions(length: rows)
        let sampleCols = JaroszFilter.samplePositions(length: cols)

        narrow.reserve(rows * 64 * 2)
        columnSums.reserve(max(cols, 64))
        let plane1 = buffer1.pointer, plane2 = buffer2.pointer, sums = columnSums.pointer

        // Pass 1: the full image, plane1 → plane2 → plane1.
        JaroszFilter.boxRows(plane1, plane2, rows: rows, cols: cols, window: alongRows)
        JaroszFilter.boxColumns(plane2, plane1, rows: rows, cols: cols, window: alongCols, sums: sums)

        // Pass 2: only the sampled columns are carried into the column pass, and only the sampled
        // rows of its output are kept.
        let narrowRows = narrow.pointer
        let narrowBlurred = narrowRows + rows * 64
        sampleCols.withUnsafeBufferPointer { columns in
            JaroszFilter.boxRowsSampled(plane1, narrowRows, rows: rows, cols: cols, window: alongRows,
                                        sampleColumns: columns)
        }
        JaroszFilter.boxColumns(narrowRows, narrowBlurred, rows: rows, cols: 64, window: alongCols, sums: sums)
        for i in 0..<64 {
            (block64 + i * 64).update(from: narrowBlurred + sampleRows[i] * 64, count: 64)
        }
    }
}

/// A growable float buffer that is reused across calls and freed with its owner.
struct ScratchBuffer: ~Copyable {
    private(set) var pointer: UnsafeMutablePointer<Float> = .allocate(capacity: 1)
    private var capacity = 1

    mutating func reserve(_ count: Int) {
        guard count > capacity else { return }
        pointer.deallocate()
        pointer = .allocate(capacity: count)
        capacity = count
    }

    deinit { pointer.deallocate() }
}

@available(*, unavailable, message: "a PDQHasher owns mutable scratch memory: give each task its own")
extension PDQHasher: Sendable {}
