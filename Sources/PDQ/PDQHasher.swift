/// Computes PDQ hashes bit-for-bit as Meta's C++ reference (`pdqHash256FromFloatLuma`).
///
/// One hasher owns its scratch memory and reuses it across calls, so hashing allocates nothing in
/// the steady state. The scratch holds rows of the image (rings of a few bands of 32 rows, and 64
/// floats a row for the sampled columns), never a whole image in floats: a hasher that has hashed a
/// 100-megapixel image keeps megabytes, not the 800 MB two float planes took. It is not
/// thread-safe: give each task its own (they are cheap when idle).
public final class PDQHasher {
    /// Images with a side under this get hash 0 and quality 0, as in the reference.
    public static let minimumDimension = 5

    private var squashed = ScratchBuffer()    // the reference CLI's 512×512 luma
    private var band = ScratchBuffer()        // luma of the rows being blurred
    private var laneScratch = ScratchBuffer() // the passes along rows: strips of columns of eight
    private var firstRows = ScratchBuffer()   // ring: rows after the first pass along rows
    private var firstColumns = ScratchBuffer() // ring: rows after the first pass along columns
    private var narrow = ScratchBuffer()      // two rows × 64 planes for the sampled second pass
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

    // MARK: public entry points

    /// The PDQ hash of 8-bit pixels.
    public func hash(_ pixels: PixelView, pipeline: PDQPipeline = .fullResolution) -> PDQResult {
        guard let source = lumaSource(pixels, pipeline: pipeline) else {
            return PDQResult(hash: .zero, quality: 0)
        }
        let quality = downsampleAndTransform(source, allowBypass: true)
        return PDQResult(hash: DCT16.bits(block16), quality: quality)
    }

    /// The eight dihedral hashes of 8-bit pixels, from one downsample and one DCT.
    public func dihedralHashes(_ pixels: PixelView, pipeline: PDQPipeline = .fullResolution) -> PDQDihedralResult {
        guard let source = lumaSource(pixels, pipeline: pipeline) else {
            return PDQDihedralResult(hashes: Array(repeating: .zero, count: 8), quality: 0)
        }
        // The reference's dihedral entry point has no 64×64 bypass.
        let quality = downsampleAndTransform(source, allowBypass: false)
        let hashes = DihedralVariant.allCases.map { variant in
            DCT16.dihedral(variant, block16, block16Aux)
            return DCT16.bits(block16Aux)
        }
        return PDQDihedralResult(hashes: hashes, quality: quality)
    }

    /// The PDQ hash of float luma (the reference library's entry point; no pre-resize). Bit-exact
    /// for finite luma whose blurred values are normal floats or zero, as any luma from pixels is
    /// (see `ExactDivisor`).
    public func hash(luma: UnsafeBufferPointer<Float>, width: Int, height: Int) -> PDQResult {
        precondition(luma.count >= width * height, "luma buffer holds width × height values")
        guard width >= Self.minimumDimension, height >= Self.minimumDimension, let plane = luma.baseAddress else {
            return PDQResult(hash: .zero, quality: 0)
        }
        let quality = downsampleAndTransform(LumaSource(rows: height, cols: width, pixels: nil, plane: plane), allowBypass: true)
        return PDQResult(hash: DCT16.bits(block16), quality: quality)
    }

    /// The blurred, decimated 64×64 luma `hash` transforms (for tests that compare it bit for bit).
    func downsampled(_ pixels: PixelView) -> [Float]? {
        guard let source = lumaSource(pixels, pipeline: .fullResolution) else { return nil }
        _ = downsampleAndTransform(source, allowBypass: true)
        return Array(UnsafeBufferPointer(start: block64, count: 64 * 64))
    }

    // MARK: pipeline

    /// Where the luma comes from: 8-bit pixels, converted a band of rows at a time as the blur
    /// reads them, or a plane of float luma.
    private struct LumaSource {
        let rows: Int
        let cols: Int
        let pixels: PixelView?
        let plane: UnsafePointer<Float>?

        /// The luma of rows `first ..< first + count`, converted into `band` when it comes from pixels.
        func rows(_ first: Int, _ count: Int, band: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
            if let plane { return plane + first * cols }
            if let pixels { LumaConversion.fillRows(pixels, first: first, count: count, into: band) }
            return UnsafePointer(band)
        }
    }

    private func lumaSource(_ pixels: PixelView, pipeline: PDQPipeline) -> LumaSource? {
        guard pixels.width >= Self.minimumDimension, pixels.height >= Self.minimumDimension else { return nil }
        guard pipeline == .referenceCLI, LumaConversion.squashes(pixels) else {
            return LumaSource(rows: pixels.height, cols: pixels.width, pixels: pixels, plane: nil)
        }
        let side = LumaConversion.referenceCLISide
        squashed.reserve(side * side)
        LumaConversion.fillSquashed(pixels, into: squashed.pointer)
        return LumaSource(rows: side, cols: side, pixels: nil, plane: squashed.pointer)
    }

    /// Luma → blurred 64×64 in `block64` → DCT in `block16`; returns the quality.
    private func downsampleAndTransform(_ source: LumaSource, allowBypass: Bool) -> Int {
        if allowBypass && source.rows == 64 && source.cols == 64 {
            // Already 64×64: the reference hashes it as it is.
            band.reserve(64 * 64)
            block64.update(from: source.rows(0, 64, band: band.pointer), count: 64 * 64)
        } else {
            blurAndDecimate(source)
        }
        let quality = DCT16.quality(block64)
        DCT16.transform(block64, block16x64, block16)
        return quality
    }

    /// Both passes of the blur, streamed through the image a band of 32 rows at a time: a band's
    /// luma is blurred along its rows into a ring of rows, the column pass emits every row the
    /// ring allows into a second ring, and the second pass along rows takes those 32 at a time,
    /// keeping only the 64 sampled columns. Each row is read again while it is still in cache,
    /// instead of each pass sweeping the whole image through memory.
    private func blurAndDecimate(_ source: LumaSource) {
        let rows = source.rows, cols = source.cols
        let alongRows = BoxWindow(forDimension: cols)
        let alongCols = BoxWindow(forDimension: rows)
        let sampleRows = JaroszFilter.samplePositions(length: rows)
        let sampleCols = JaroszFilter.samplePositions(length: cols)
        let bandRows = RowPass.stripsTogether * 8
        // The first ring holds the rows the column pass reads (its window and one more) and the
        // band being written; the second, two bands. Multiples of a band keep each band's rows
        // contiguous in its ring.
        let wholeImage = (rows + bandRows - 1) / bandRows * bandRows
        let firstRing = min(wholeImage, (alongCols.size + 1 + bandRows + bandRows - 1) / bandRows * bandRows + bandRows)
        let secondRing = min(wholeImage, 2 * bandRows)

        band.reserve(bandRows * cols)
        laneScratch.reserve(RowPass.scratchCount(cols: cols))
        firstRows.reserve(firstRing * cols)
        firstColumns.reserve(secondRing * cols)
        narrow.reserve(rows * 64 * 2)
        columnSums.reserve(max(cols, 64))
        let ringA = firstRows.pointer, ringB = firstColumns.pointer, sums = columnSums.pointer
        let scratch = laneScratch.pointer, bandPointer = band.pointer
        let narrowRows = narrow.pointer
        let narrowBlurred = narrowRows + rows * 64

        var columnPass = ColumnPass(rows: rows, cols: cols, window: alongCols)
        var produced = 0, consumed = 0
        sampleCols.withUnsafeBufferPointer { columns in
            while consumed < rows {
                // A band along rows, once the rows it overwrites in the ring are no longer read.
                if produced < rows, produced + bandRows - firstRing <= columnPass.oldestInputNeeded {
                    let count = min(bandRows, rows - produced)
                    RowPass.blur(source.rows(produced, count, band: bandPointer), ringA + (produced % firstRing) * cols,
                                 rows: count, cols: cols, window: alongRows, scratch: scratch)
                    produced += count
                }
                columnPass.advance(available: produced, limit: consumed + secondRing, sums: sums,
                                   input: { UnsafePointer(ringA + ($0 % firstRing) * cols) },
                                   output: { ringB + ($0 % secondRing) * cols })
                // The second pass along rows, a band at a time (the last one when the column pass ends).
                while consumed < columnPass.emitted, columnPass.emitted - consumed >= bandRows || columnPass.isFinished {
                    let count = min(bandRows, columnPass.emitted - consumed)
                    RowPass.blurSampled(ringB + (consumed % secondRing) * cols, narrowRows + consumed * 64, rows: count, cols: cols,
                                        window: alongRows, sampleColumns: columns, scratch: scratch)
                    consumed += count
                }
            }
        }
        var narrowPass = ColumnPass(rows: rows, cols: 64, window: alongCols)
        narrowPass.advance(available: rows, limit: rows, sums: sums,
                           input: { UnsafePointer(narrowRows + $0 * 64) }, output: { narrowBlurred + $0 * 64 })
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
