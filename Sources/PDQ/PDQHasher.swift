/// Computes PDQ hashes bit-for-bit as Meta's C++ reference (`pdqHash256FromFloatLuma`).
///
/// One hasher owns its scratch memory and reuses it across calls (`BlurScratch`: rings of a few
/// bands of rows, never a whole image in floats; over 64 MB is given back after each hash). It is
/// not thread-safe: give each task its own (they are cheap when idle).
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
    /// ring allows into a second ring, the second pass along rows takes those 32 at a time and
    /// keeps the 64 sampled columns in a third ring, and the second column pass keeps only the 64
    /// sampled rows. Each row is read again while it is still in cache, and no buffer holds the
    /// image: the rings are a few bands and the column window (1/128 of the height) long.
    private func blurAndDecimate(_ source: LumaSource) {
        let rows = source.rows, cols = source.cols
        let plan = BlurScratch(rows: rows, cols: cols)
        let alongRows = plan.alongRows, alongCols = plan.alongCols
        let sampleRows = JaroszFilter.samplePositions(length: rows)
        let sampleCols = JaroszFilter.samplePositions(length: cols)
        let divisors = sampleCols.map { ExactDivisor(alongRows.count(at: $0, length: cols)) }
        let bandRows = BlurScratch.bandRows

        band.reserve(plan.band)
        laneScratch.reserve(plan.lanes)
        firstRows.reserve(plan.firstRing * cols)
        firstColumns.reserve(plan.secondRing * cols)
        narrow.reserve(plan.narrowRing * 64 + 128)
        columnSums.reserve(max(cols, 64))
        let ringA = firstRows.pointer, ringB = firstColumns.pointer, sums = columnSums.pointer
        let scratch = laneScratch.pointer, bandPointer = band.pointer
        let ringC = narrow.pointer, unsampled = ringC + plan.narrowRing * 64, narrowSums = unsampled + 64
        let (firstRing, secondRing, narrowRing) = (plan.firstRing, plan.secondRing, plan.narrowRing)

        var columnPass = ColumnPass(rows: rows, cols: cols, window: alongCols)
        var narrowPass = ColumnPass(rows: rows, cols: 64, window: alongCols)
        var produced = 0, consumed = 0, nextSample = 0
        sampleCols.withUnsafeBufferPointer { columns in
            divisors.withUnsafeBufferPointer { divisors in
                while consumed < rows {
                    let progress = (produced, columnPass.emitted, consumed)
                    // A band along rows, once the rows it overwrites in the ring are no longer read.
                    let count = min(bandRows, rows - produced)
                    if count > 0, produced + count - firstRing <= columnPass.oldestInputNeeded {
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
                        precondition(consumed + count - narrowRing <= narrowPass.oldestInputNeeded, "the sampled rows' ring is too small")
                        RowPass.blurSampled(ringB + (consumed % secondRing) * cols, ringC + (consumed % narrowRing) * 64, rows: count,
                                            cols: cols, window: alongRows, sampleColumns: columns, divisors: divisors, scratch: scratch)
                        consumed += count
                        // The second pass down columns, one output row at a time: the sampled ones
                        // go to the 64×64 block (a row sampled twice, in an image under 64 rows
                        // high, to both places), the others to a row that is overwritten.
                        while narrowPass.emitted < narrowPass.rows {
                            let row = narrowPass.emitted
                            narrowPass.advance(available: consumed, limit: row + 1, sums: narrowSums,
                                               input: { UnsafePointer(ringC + ($0 % narrowRing) * 64) },
                                               output: { _ in unsampled })
                            guard narrowPass.emitted > row else { break }
                            while nextSample < 64, sampleRows[nextSample] == row {
                                (block64 + nextSample * 64).update(from: unsampled, count: 64)
                                nextSample += 1
                            }
                        }
                    }
                    precondition(progress != (produced, columnPass.emitted, consumed), "the blur's rings stopped it")
                }
            }
        }
        precondition(nextSample == 64, "every sampled row was written")
        if plan.floats > BlurScratch.keptFloats { releaseScratch() }
    }

    /// Gives back the memory of a large image's blur: hashers are kept for the next image.
    private func releaseScratch() {
        band.release()
        laneScratch.release()
        firstRows.release()
        firstColumns.release()
        narrow.release()
        columnSums.release()
    }

    /// The bytes `hash` takes, beyond the pixels, for an image of this size: what a decoding budget
    /// charges for it. Hashing gives back what is over 64 MB when it ends.
    public static func scratchBytes(width: Int, height: Int) -> Int {
        guard width >= minimumDimension, height >= minimumDimension else { return 0 }
        let squash = 512 * 512 * MemoryLayout<Float>.size
        return BlurScratch(rows: height, cols: width).floats * MemoryLayout<Float>.size + squash
    }
}

/// The scratch the blur of a `rows × cols` image takes, in floats: one definition for the
/// reservations and for what the decoding budget charges. Rows of the image, never a plane: for a
/// 10 000 × 10 000 image 18 MB, where two float planes took 800 MB.
struct BlurScratch {
    /// Rows blurred along rows at a time: four strips of eight lanes.
    static let bandRows = RowPass.stripsTogether * 8
    /// Scratch kept between hashes; more is given back.
    static let keptFloats = 16 * 1024 * 1024

    let alongRows: BoxWindow
    let alongCols: BoxWindow
    /// Luma of one band (`min(32, rows)` rows).
    let band: Int
    /// The strips of columns of eight `RowPass` works in.
    let lanes: Int
    /// Rows in the ring after the first pass along rows: what the column pass reads (its window
    /// and one more, in whole bands), the band being written, and a band of slack; or the image.
    let firstRing: Int
    /// Rows in the ring after the first pass down columns: two bands, or the image.
    let secondRing: Int
    /// Rows (of 64 sampled columns) in the ring after the second pass along rows, sized as the first.
    let narrowRing: Int
    let cols: Int

    init(rows: Int, cols: Int) {
        self.cols = cols
        alongRows = BoxWindow(forDimension: cols)
        alongCols = BoxWindow(forDimension: rows)
        let bandRows = Self.bandRows
        band = min(bandRows, rows) * cols
        lanes = RowPass.scratchCount(cols: cols, rows: min(bandRows, rows))
        // Whole bands, so that each band's rows are contiguous in a ring that wraps.
        let window = (alongCols.size + 1 + bandRows - 1) / bandRows * bandRows + 2 * bandRows
        firstRing = min(rows, window)
        secondRing = min(rows, 2 * bandRows)
        narrowRing = min(rows, window)
    }

    var floats: Int { band + lanes + (firstRing + secondRing) * cols + narrowRing * 64 + 128 + max(cols, 64) }
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

    /// Frees the memory (a later `reserve` allocates again).
    mutating func release() {
        pointer.deallocate()
        pointer = .allocate(capacity: 1)
        capacity = 1
    }

    deinit { pointer.deallocate() }
}

@available(*, unavailable, message: "a PDQHasher owns mutable scratch memory: give each task its own")
extension PDQHasher: Sendable {}
