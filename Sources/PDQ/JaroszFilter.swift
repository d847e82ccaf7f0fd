/// The reference's two-pass Jarosz (box ∘ box) blur, reorganised for speed without changing a bit.
///
/// The reference runs `box1DFloat` along each row and then down each column: a running float sum
/// with truncated windows at the edges. Every output here is the same running sum, built from the
/// same additions and subtractions in the same order, divided by the same count. What changes is the
/// traversal:
/// - rows: eight rows advance together (eight independent dependency chains), sums are stored first
///   and divided afterwards, eight at a time;
/// - columns: a row-major sweep keeps one running sum per column in a small vector, so memory is read
///   contiguously instead of with a stride of a whole row;
/// - the second pass computes only the 64 columns and 64 rows that decimation samples, and along
///   rows stores its running sums only at the 64 sampled columns;
/// - division by a window's count is `ExactDivisor`'s: the same quotient, rounded the same way.
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

    var leadIn: Int { half - 1 }          // phase 1: add, no write
    var growing: Int { size - half + 1 }  // phase 2: add, write
    func steady(_ n: Int) -> Int { n - size } // phase 3: add, subtract, write
    var shrinking: Int { half - 1 }       // phase 4: subtract, write

    /// The count the reference divides output `o` of an `n`-vector by.
    @inline(__always)
    func count(at o: Int, length n: Int) -> Int {
        if o < growing { return half + o }
        let tailStart = growing + steady(n)
        if o < tailStart { return size }
        return size - 1 - (o - tailStart)
    }
}

enum JaroszFilter {
    /// How many rows advance together: eight independent dependency chains keep both adders busy
    /// (one chain waits 8 cycles per column for its add and subtract).
    static let rowsTogether = 8

    /// Running sums along rows `first ..< first + k` (k ≤ 8) of `input` (`cols` wide), stored
    /// undivided in `sums` (k rows of `cols`).
    @inline(__always)
    static func rowSums(
        _ input: UnsafePointer<Float>, _ sums: UnsafeMutablePointer<Float>,
        first: Int, k: Int, cols: Int, window: BoxWindow
    ) {
        let a0 = input + (first + min(0, k - 1)) * cols
        let a1 = input + (first + min(1, k - 1)) * cols
        let a2 = input + (first + min(2, k - 1)) * cols
        let a3 = input + (first + min(3, k - 1)) * cols
        let a4 = input + (first + min(4, k - 1)) * cols
        let a5 = input + (first + min(5, k - 1)) * cols
        let a6 = input + (first + min(6, k - 1)) * cols
        let a7 = input + (first + min(7, k - 1)) * cols
        let o0 = sums + min(0, k - 1) * cols
        let o1 = sums + min(1, k - 1) * cols
        let o2 = sums + min(2, k - 1) * cols
        let o3 = sums + min(3, k - 1) * cols
        let o4 = sums + min(4, k - 1) * cols
        let o5 = sums + min(5, k - 1) * cols
        let o6 = sums + min(6, k - 1) * cols
        let o7 = sums + min(7, k - 1) * cols
        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0, s4: Float = 0, s5: Float = 0, s6: Float = 0, s7: Float = 0
        var ri = 0, li = 0, oi = 0
        for _ in 0..<window.leadIn {
            s0 += a0[ri]; s1 += a1[ri]; s2 += a2[ri]; s3 += a3[ri]; s4 += a4[ri]; s5 += a5[ri]; s6 += a6[ri]; s7 += a7[ri]
            ri += 1
        }
        for _ in 0..<window.growing {
            s0 += a0[ri]; s1 += a1[ri]; s2 += a2[ri]; s3 += a3[ri]; s4 += a4[ri]; s5 += a5[ri]; s6 += a6[ri]; s7 += a7[ri]
            o0[oi] = s0; o1[oi] = s1; o2[oi] = s2; o3[oi] = s3; o4[oi] = s4; o5[oi] = s5; o6[oi] = s6; o7[oi] = s7
            ri += 1; oi += 1
        }
        for _ in 0..<window.steady(cols) {
            s0 += a0[ri]; s1 += a1[ri]; s2 += a2[ri]; s3 += a3[ri]; s4 += a4[ri]; s5 += a5[ri]; s6 += a6[ri]; s7 += a7[ri]
            s0 -= a0[li]; s1 -= a1[li]; s2 -= a2[li]; s3 -= a3[li]; s4 -= a4[li]; s5 -= a5[li]; s6 -= a6[li]; s7 -= a7[li]
            o0[oi] = s0; o1[oi] = s1; o2[oi] = s2; o3[oi] = s3; o4[oi] = s4; o5[oi] = s5; o6[oi] = s6; o7[oi] = s7
            ri += 1; li += 1; oi += 1
        }
        for _ in 0..<window.shrinking {
            s0 -= a0[li]; s1 -= a1[li]; s2 -= a2[li]; s3 -= a3[li]; s4 -= a4[li]; s5 -= a5[li]; s6 -= a6[li]; s7 -= a7[li]
            o0[oi] = s0; o1[oi] = s1; o2[oi] = s2; o3[oi] = s3; o4[oi] = s4; o5[oi] = s5; o6[oi] = s6; o7[oi] = s7
            li += 1; oi += 1
        }
    }

    /// The same running sums, kept only at `sampleColumns` (ascending): output `j` of row `i` goes
    /// to `sampled[i * sampleColumns.count + j]`, undivided. Output `o` of a row adds input
    /// `o + half − 1` while there is one and subtracts input `o − growing` once the window is full,
    /// in that order, as `rowSums` does phase by phase; between samples nothing is stored.
    @inline(__always)
    static func sampledRowSums(
        _ input: UnsafePointer<Float>, _ sampled: UnsafeMutablePointer<Float>,
        first: Int, k: Int, cols: Int, window: BoxWindow, sampleColumns: UnsafeBufferPointer<Int>
    ) {
        let a0 = input + (first + min(0, k - 1)) * cols
        let a1 = input + (first + min(1, k - 1)) * cols
        let a2 = input + (first + min(2, k - 1)) * cols
        let a3 = input + (first + min(3, k - 1)) * cols
        let a4 = input + (first + min(4, k - 1)) * cols
        let a5 = input + (first + min(5, k - 1)) * cols
        let a6 = input + (first + min(6, k - 1)) * cols
        let a7 = input + (first + min(7, k - 1)) * cols
        let o0 = sampled + min(0, k - 1) * sampleColumns.count
        let o1 = sampled + min(1, k - 1) * sampleColumns.count
        let o2 = sampled + min(2, k - 1) * sampleColumns.count
        let o3 = sampled + min(3, k - 1) * sampleColumns.count
        let o4 = sampled + min(4, k - 1) * sampleColumns.count
        let o5 = sampled + min(5, k - 1) * sampleColumns.count
        let o6 = sampled + min(6, k - 1) * sampleColumns.count
        let o7 = sampled + min(7, k - 1) * sampleColumns.count
        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0, s4: Float = 0, s5: Float = 0, s6: Float = 0, s7: Float = 0
        for ri in 0..<window.leadIn {
            s0 += a0[ri]; s1 += a1[ri]; s2 += a2[ri]; s3 += a3[ri]; s4 += a4[ri]; s5 += a5[ri]; s6 += a6[ri]; s7 += a7[ri]
        }
        let addsEnd = cols - window.half + 1   // outputs before this add an input
        let subtractsStart = window.growing    // outputs from this subtract one
        let lag = window.half - 1
        var o = 0
        for (j, column) in sampleColumns.enumerated() {
            let end = column + 1
            while o < min(end, subtractsStart) {
                s0 += a0[o + lag]; s1 += a1[o + lag]; s2 += a2[o + lag]; s3 += a3[o + lag]; s4 += a4[o + lag]; s5 += a5[o + lag]; s6 += a6[o + lag]; s7 += a7[o + lag]
                o += 1
            }
            while o < min(end, addsEnd) {
                s0 += a0[o + lag]; s1 += a1[o + lag]; s2 += a2[o + lag]; s3 += a3[o + lag]; s4 += a4[o + lag]; s5 += a5[o + lag]; s6 += a6[o + lag]; s7 += a7[o + lag]
                s0 -= a0[o - subtractsStart]; s1 -= a1[o - subtractsStart]; s2 -= a2[o - subtractsStart]; s3 -= a3[o - subtractsStart]; s4 -= a4[o - subtractsStart]; s5 -= a5[o - subtractsStart]; s6 -= a6[o - subtractsStart]; s7 -= a7[o - subtractsStart]
                o += 1
            }
            while o < end {
                s0 -= a0[o - subtractsStart]; s1 -= a1[o - subtractsStart]; s2 -= a2[o - subtractsStart]; s3 -= a3[o - subtractsStart]; s4 -= a4[o - subtractsStart]; s5 -= a5[o - subtractsStart]; s6 -= a6[o - subtractsStart]; s7 -= a7[o - subtractsStart]
                o += 1
            }
            o0[j] = s0; o1[j] = s1; o2[j] = s2; o3[j] = s3; o4[j] = s4; o5[j] = s5; o6[j] = s6; o7[j] = s7
        }
    }

    /// Divides one row of running sums by the reference's counts, in place.
    @inline(__always)
    static func divideRow(_ row: UnsafeMutablePointer<Float>, cols: Int, window: BoxWindow) {
        var o = 0
        for _ in 0..<window.growing {
            row[o] = ExactDivisor(window.half + o).divide(row[o])
            o += 1
        }
        let steadyEnd = o + window.steady(cols)
        let full = ExactDivisor(window.size)
        while o + 8 <= steadyEnd {
            let sums = UnsafeRawPointer(row + o).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(row + o).storeBytes(of: full.divide(sums), as: SIMD8<Float>.self)
            o += 8
        }
        while o < steadyEnd {
            row[o] = full.divide(row[o])
            o += 1
        }
        var count = window.size
        while o < cols {
            count -= 1
            row[o] = ExactDivisor(count).divide(row[o])
            o += 1
        }
    }

    /// `boxAlongRowsFloat`: every row of `input` into `output`.
    static func boxRows(
        _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
        rows: Int, cols: Int, window: BoxWindow
    ) {
        var r = 0
        while r < rows {
            let k = min(rowsTogether, rows - r)
            rowSums(input, output + r * cols, first: r, k: k, cols: cols, window: window)
            for i in 0..<k { divideRow(output + (r + i) * cols, cols: cols, window: window) }
            r += k
        }
    }

    /// `boxAlongRowsFloat` evaluated only at `sampleColumns`: output is `rows × sampleColumns.count`.
    static func boxRowsSampled(
        _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
        rows: Int, cols: Int, window: BoxWindow, sampleColumns: UnsafeBufferPointer<Int>
    ) {
        let outCols = sampleColumns.count
        let divisors = sampleColumns.map { ExactDivisor(window.count(at: $0, length: cols)) }
        var r = 0
        while r < rows {
            let k = min(rowsTogether, rows - r)
            let target = output + r * outCols
            sampledRowSums(input, target, first: r, k: k, cols: cols, window: window, sampleColumns: sampleColumns)
            for j in 0..<(k * outCols) { target[j] = divisors[j % outCols].divide(target[j]) }
            r += k
        }
    }

    /// `boxAlongColsFloat`: a row-major sweep with one running sum per column (`sums`, `cols` long).
    static func boxColumns(
        _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
        rows: Int, cols: Int, window: BoxWindow, sums: UnsafeMutablePointer<Float>
    ) {
        sums.update(repeating: 0, count: cols)
        var ri = 0, li = 0, oi = 0
        let none = ExactDivisor(1)
        for _ in 0..<window.leadIn {
            sweep(sums, adding: input + ri * cols, subtracting: nil, into: nil, cols: cols, by: none)
            ri += 1
        }
        var count = window.half - 1
        for _ in 0..<window.growing {
            count += 1
            sweep(sums, adding: input + ri * cols, subtracting: nil, into: output + oi * cols, cols: cols, by: ExactDivisor(count))
            ri += 1; oi += 1
        }
        let full = ExactDivisor(window.size)
        for _ in 0..<window.steady(rows) {
            sweep(sums, adding: input + ri * cols, subtracting: input + li * cols, into: output + oi * cols, cols: cols, by: full)
            ri += 1; li += 1; oi += 1
        }
        for _ in 0..<window.shrinking {
            count -= 1
            sweep(sums, adding: nil, subtracting: input + li * cols, into: output + oi * cols, cols: cols, by: ExactDivisor(count))
            li += 1; oi += 1
        }
    }

    /// One row of the column sweep: `sums += a`, then `sums -= b` (the reference's order), and the
    /// sums divided into `o`, eight columns at a time.
    @inline(__always)
    static func sweep(
        _ sums: UnsafeMutablePointer<Float>, adding a: UnsafePointer<Float>?, subtracting b: UnsafePointer<Float>?,
        into o: UnsafeMutablePointer<Float>?, cols: Int, by divisor: ExactDivisor
    ) {
        var j = 0
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

    /// `(int)(((i + 0.5) * n) / 64)` in double: the decimation sample for output `i`.
    static func samplePositions(length n: Int) -> [Int] {
        (0..<64).map { Int(((Double($0) + 0.5) * Double(n)) / 64.0) }
    }
}
