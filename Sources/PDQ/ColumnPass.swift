/// The reference's `boxAlongColsFloat`, run as rows of its input arrive, into rows of its output,
/// both held in rings of rows: the blur streams through the image a band at a time and reads each
/// row again while it is still in cache.
///
/// Each output row follows `BoxWindow`'s per-output rules (the reference's four phases) and is
/// divided by the reference's count for it. One running sum per column is kept in `sums`; rows are
/// swept eight columns at a time.
struct ColumnPass {
    let rows: Int
    let cols: Int
    let window: BoxWindow
    /// Output rows written so far.
    private(set) var emitted = 0

    init(rows: Int, cols: Int, window: BoxWindow) {
        self.rows = rows
        self.cols = cols
        self.window = window
    }

    var isFinished: Bool { emitted == rows }

    /// The oldest input row a later output reads: input rows before it may be overwritten.
    var oldestInputNeeded: Int { max(0, emitted - window.growing) }

    /// Writes output rows while the first `available` input rows allow and fewer than `limit` are
    /// written. `input(i)` and `output(o)` locate rows.
    mutating func advance(
        available: Int, limit: Int, sums: UnsafeMutablePointer<Float>,
        input: (Int) -> UnsafePointer<Float>, output: (Int) -> UnsafeMutablePointer<Float>
    ) {
        let lag = window.lag, addsEnd = window.addsEnd(rows), subtractsStart = window.growing
        while emitted < min(rows, limit), available >= min(emitted + lag, rows - 1) + 1 {
            let o = emitted
            if o == 0 {
                sums.update(repeating: 0, count: cols)
                for r in 0..<lag { Self.sweep(sums, adding: input(r), subtracting: nil, into: nil, cols: cols, by: ExactDivisor(1)) }
            }
            Self.sweep(sums, adding: o < addsEnd ? input(o + lag) : nil,
                       subtracting: o >= subtractsStart ? input(o - subtractsStart) : nil,
                       into: output(o), cols: cols, by: ExactDivisor(window.count(at: o, length: rows)))
            emitted += 1
        }
    }

    /// One row of the sweep: `sums += a`, then `sums -= b` (the reference's order), and the sums
    /// divided into `o`, eight columns at a time.
    @inline(__always)
    static func sweep(
        _ sums: UnsafeMutablePointer<Float>, adding a: UnsafePointer<Float>?, subtracting b: UnsafePointer<Float>?,
        into o: UnsafeMutablePointer<Float>?, cols: Int, by divisor: ExactDivisor
    ) {
        var j = 0
        if let a, let b, let o, !divisor.divides {
            // The steady state, almost every row: no optional and no fallback inside the loop.
            while j + 8 <= cols {
                var s = UnsafeRawPointer(sums + j).loadUnaligned(as: SIMD8<Float>.self)
                s += UnsafeRawPointer(a + j).loadUnaligned(as: SIMD8<Float>.self)
                s -= UnsafeRawPointer(b + j).loadUnaligned(as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(sums + j).storeBytes(of: s, as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(o + j).storeBytes(of: divisor.divide(s), as: SIMD8<Float>.self)
                j += 8
            }
        }
        while j + 8 <= cols {
            var s = UnsafeRawPointer(sums + j).loadUnaligned(as: SIMD8<Float>.self)
            if let a { s += UnsafeRawPointer(a + j).loadUnaligned(as: SIMD8<Float>.self) }
            if let b { s -= UnsafeRawPointer(b + j).loadUnaligned(as: SIMD8<Float>.self) }
            UnsafeMutableRawPointer(sums + j).storeBytes(of: s, as: SIMD8<Float>.self)
            if let o { UnsafeMutableRawPointer(o + j).storeBytes(of: divisor.divide(s), as: SIMD8<Float>.self) }
            j += 8
        }
        while j < cols {
            var s = sums[j]
            if let a { s += a[j] }
            if let b { s -= b[j] }
            sums[j] = s
            if let o { o[j] = divisor.divide(s) }
            j += 1
        }
    }
}
