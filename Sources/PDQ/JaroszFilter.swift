/// The reference's two-pass Jarosz (box ∘ box) blur, reorganised for speed without changing a bit.
///
/// The reference runs `box1DFloat` along each row and then down each column: a running float sum
/// with truncated windows at the edges. Every output here is the same running sum, built from the
/// same additions and subtractions in the same order, divided by the same count. What changes is the
/// traversal:
/// - rows: four rows advance together (four independent dependency chains), sums are stored first
///   and divided afterwards in a vectorisable loop;
/// - columns: a row-major sweep keeps one running sum per column in a small vector, so memory is read
///   contiguously instead of with a stride of a whole row;
/// - the second pass computes only the 64 columns and 64 rows that decimation samples.
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
    /// Running sums along rows `first ..< first + k` (k ≤ 4) of `input` (`cols` wide), stored undivided.
    @inline(__always)
    static func rowSums(
        _ input: UnsafePointer<Float>, _ sums: UnsafeMutablePointer<Float>,
        first: Int, k: Int, cols: Int, window: BoxWindow
    ) {
        // Rows beyond k alias the last real row: their work is discarded, their code path is shared.
        let a0 = input + first * cols
        let a1 = input + (first + min(1, k - 1)) * cols
        let a2 = input + (first + min(2, k - 1)) * cols
        let a3 = input + (first + min(3, k - 1)) * cols
        let o0 = sums
        let o1 = sums + min(1, k - 1) * cols
        let o2 = sums + min(2, k - 1) * cols
        let o3 = sums + min(3, k - 1) * cols
        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
        var ri = 0, li = 0, oi = 0
        for _ in 0..<window.leadIn {
            s0 += a0[ri]; s1 += a1[ri]; s2 += a2[ri]; s3 += a3[ri]
            ri += 1
        }
        for _ in 0..<window.growing {
            s0 += a0[ri]; s1 += a1[ri]; s2 += a2[ri]; s3 += a3[ri]
            o3[oi] = s3; o2[oi] = s2; o1[oi] = s1; o0[oi] = s0
            ri += 1; oi += 1
        }
        for _ in 0..<window.steady(cols) {
            s0 += a0[ri]; s1 += a1[ri]; s2 += a2[ri]; s3 += a3[ri]
            s0 -= a0[li]; s1 -= a1[li]; s2 -= a2[li]; s3 -= a3[li]
            o3[oi] = s3; o2[oi] = s2; o1[oi] = s1; o0[oi] = s0
            ri += 1; li += 1; oi += 1
        }
        for _ in 0..<window.shrinking {
            s0 -= a0[li]; s1 -= a1[li]; s2 -= a2[li]; s3 -= a3[li]
            o3[oi] = s3; o2[oi] = s2; o1[oi] = s1; o0[oi] = s0
            li += 1; oi += 1
        }
    }

    /// Divides one row of running sums by the reference's counts, in place.
    @inline(__always)
    static func divideRow(_ row: UnsafeMutablePointer<Float>, cols: Int, window: BoxWindow) {
        var o = 0
        for _ in 0..<window.growing {
            row[o] = row[o] / Float(window.half + o)
            o += 1
        }
        let steadyEnd = o + window.steady(cols)
        let full = Float(window.size)
        while o < steadyEnd {
            row[o] = row[o] / full
            o += 1
        }
        var count = window.size
        while o < cols {
            count -= 1
            row[o] = row[o] / Float(count)
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
            let k = min(4, rows - r)
            rowSums(input, output + r * cols, first: r, k: k, cols: cols, window: window)
            for i in 0..<k { divideRow(output + (r + i) * cols, cols: cols, window: window) }
            r += k
        }
    }

    /// `boxAlongRowsFloat` evaluated only at `sampleColumns`: output is `rows × sampleColumns.count`.
    static func boxRowsSampled(
        _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
        rows: Int, cols: Int, window: BoxWindow,
        sampleColumns: UnsafeBufferPointer<Int>, scratch: UnsafeMutablePointer<Float>
    ) {
        let outCols = sampleColumns.count
        var divisors = [Float](repeating: 1, count: outCols)
        for (i, c) in sampleColumns.enumerated() { divisors[i] = Float(window.count(at: c, length: cols)) }
        var r = 0
        while r < rows {
            let k = min(4, rows - r)
            rowSums(input, scratch, first: r, k: k, cols: cols, window: window)
            for i in 0..<k {
                let sums = scratch + i * cols
                let target = output + (r + i) * outCols
                for (j, c) in sampleColumns.enumerated() { target[j] = sums[c] / divisors[j] }
            }
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
        for _ in 0..<window.leadIn {
            let a = input + ri * cols
            for j in 0..<cols { sums[j] += a[j] }
            ri += 1
        }
        var count = window.half - 1
        for _ in 0..<window.growing {
            count += 1
            let a = input + ri * cols
            let o = output + oi * cols
            let divisor = Float(count)
            for j in 0..<cols {
                let s = sums[j] + a[j]
                sums[j] = s
                o[j] = s / divisor
            }
            ri += 1; oi += 1
        }
        let full = Float(window.size)
        for _ in 0..<window.steady(rows) {
            let a = input + ri * cols
            let b = input + li * cols
            let o = output + oi * cols
            for j in 0..<cols {
                var s = sums[j] + a[j]
                s -= b[j]
                sums[j] = s
                o[j] = s / full
            }
            ri += 1; li += 1; oi += 1
        }
        for _ in 0..<window.shrinking {
            count -= 1
            let b = input + li * cols
            let o = output + oi * cols
            let divisor = Float(count)
            for j in 0..<cols {
                let s = sums[j] - b[j]
                sums[j] = s
                o[j] = s / divisor
            }
            li += 1; oi += 1
        }
    }

    /// `(int)(((i + 0.5) * n) / 64)` in double: the decimation sample for output `i`.
    static func samplePositions(length n: Int) -> [Int] {
        (0..<64).map { Int(((Double($0) + 0.5) * Double(n)) / 64.0) }
    }
}
