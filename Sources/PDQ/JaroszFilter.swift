/// The window of one pass of the reference's box filter over a row or column `n` long: the phases
/// of `box1DFloat` (lead-in, growing, steady, shrinking) and the count each output is divided by.
struct BoxWindow {
    let size: Int
    let half: Int

    init(size: Int) {
        self.size = size
        self.half = (size + 2) / 2
    }

    /// ceil(old / 128): the per-pass window for a 64-sample output (the reference's
    /// `computeJaroszFilterWindowSize(old, 64)`).
    init(forDimension old: Int) {
        self.init(size: (old + 2 * 64 - 1) / (2 * 64))
    }

    // The reference's four phases, written per output `o` of an `n`-vector: before output 0 the
    // first `lag` inputs are added (phase 1); output `o` adds input `o + lag` while `o < addsEnd(n)`
    // (phases 2 and 3), then subtracts input `o − growing` once `o ≥ growing` (phases 3 and 4).
    var lag: Int { half - 1 }
    var growing: Int { size - half + 1 }
    func addsEnd(_ n: Int) -> Int { n - lag }
    func steady(_ n: Int) -> Int { n - size }

    /// The count the reference divides output `o` of an `n`-vector by.
    @inline(__always)
    func count(at o: Int, length n: Int) -> Int {
        if o < growing { return half + o }
        let tailStart = growing + steady(n)
        if o < tailStart { return size }
        return size - 1 - (o - tailStart)
    }
}

/// The reference's two-pass Jarosz (box ∘ box) blur, reorganised for speed without changing a bit.
///
/// The reference runs `box1DFloat` along each row and then down each column, twice: a running float
/// sum with truncated windows at the edges. Every output here is the same running sum, built from
/// the same additions and subtractions in the same order, divided by the same count. What changes
/// is the traversal:
/// - along rows (`RowPass`): eight rows ride in the lanes of a SIMD8 value, transposed 8×8 at a time
///   (`EightByEight`), four such strips at once so their chains of dependent additions overlap;
/// - down columns (`ColumnPass`): a row-major sweep keeps one running sum per column, eight columns
///   at a time, instead of striding down columns;
/// - the passes stream through the image a band of 32 rows at a time, through rings of rows
///   (`PDQHasher`), so each row is read again while still in cache and no pass holds a whole image;
/// - the second pass computes only the 64 columns and 64 rows that decimation samples;
/// - division by a window's count is `ExactDivisor`'s: the same quotient, rounded the same way.
enum JaroszFilter {
    /// `(int)(((i + 0.5) * n) / 64)` in double: the decimation sample for output `i`.
    static func samplePositions(length n: Int) -> [Int] {
        (0..<64).map { Int(((Double($0) + 0.5) * Double(n)) / 64.0) }
    }
}
