/// The reference's `boxAlongRowsFloat` with eight rows in the lanes of each SIMD8 value: rows are
/// transposed into strips of columns of eight (`EightByEight`), where one vector add and one
/// subtract advance eight rows' running sums; four strips (32 rows) advance together so their
/// chains of dependent additions overlap. Each lane performs exactly the reference's additions,
/// subtractions and division for its row, in the reference's order.
///
/// Each output follows `BoxWindow`'s per-output rules (the reference's four phases) and is divided
/// by the reference's count for it.
enum RowPass {
    static let stripsTogether = 4

    /// Floats of scratch memory `blur` and `blurSampled` need for up to `rows` rows `cols` long at a time.
    static func scratchCount(cols: Int, rows: Int) -> Int {
        let strips = min(stripsTogether, (rows + 7) / 8)
        return 2 * strips * cols * 8 + strips * 64 * 8
    }

    /// Every row of `input` blurred into `output` (both `rows × cols`).
    static func blur(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, rows: Int, cols: Int,
                     window: BoxWindow, scratch: UnsafeMutablePointer<Float>) {
        let strips = scratch, sums = scratch + min(stripsTogether, (rows + 7) / 8) * cols * 8
        var r = 0
        while r < rows {
            let count = min(stripsTogether * 8, rows - r)
            let stripCount = loadStrips(input, first: r, count: count, cols: cols, into: strips)
            runningSums(strips, stripCount: stripCount, cols: cols, window: window, into: sums)
            for g in 0..<stripCount {
                let k = min(8, count - g * 8)
                let blurred = sums + g * cols * 8
                let target = output + (r + g * 8) * cols
                var c = 0
                while c + 8 <= cols {
                    EightByEight.fromColumns(blurred + c * 8, into: target + c, stride: cols, count: k)
                    c += 8
                }
                while c < cols {
                    for i in 0..<k { target[i * cols + c] = blurred[c * 8 + i] }
                    c += 1
                }
            }
            r += count
        }
    }

    /// Every row of `input` blurred, kept only at `sampleColumns` (non-decreasing; `divisors` holds
    /// their counts): `output` is `rows × sampleColumns.count`.
    static func blurSampled(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, rows: Int, cols: Int,
                            window: BoxWindow, sampleColumns: UnsafeBufferPointer<Int>, divisors: UnsafeBufferPointer<ExactDivisor>,
                            scratch: UnsafeMutablePointer<Float>) {
        precondition(sampleColumns.count <= 64 && divisors.count == sampleColumns.count, "at most 64 sampled columns, each with its count")
        let stripsAtMost = min(stripsTogether, (rows + 7) / 8)
        let strips = scratch, picked = scratch + 2 * stripsAtMost * cols * 8
        let outCols = sampleColumns.count
        var r = 0
        while r < rows {
            let count = min(stripsTogether * 8, rows - r)
            let stripCount = loadStrips(input, first: r, count: count, cols: cols, into: strips)
            sampledSums(strips, stripCount: stripCount, cols: cols, window: window,
                        sampleColumns: sampleColumns, divisors: divisors, into: picked)
            for g in 0..<stripCount {
                let k = min(8, count - g * 8)
                let values = picked + g * 64 * 8
                let target = output + (r + g * 8) * outCols
                for j in 0..<outCols {
                    for i in 0..<k { target[i * outCols + j] = values[j * 8 + i] }
                }
            }
            r += count
        }
    }

    /// Rows `first ..< first + count` (count ≤ 32) of `input` as strips of columns of eight, each
    /// `cols × 8` floats; rows past `count` in the last strip alias its last row. Returns the strips.
    @inline(__always)
    static func loadStrips(_ input: UnsafePointer<Float>, first: Int, count: Int, cols: Int,
                           into strips: UnsafeMutablePointer<Float>) -> Int {
        let stripCount = (count + 7) / 8
        for g in 0..<stripCount {
            let row = { (i: Int) in input + (first + min(g * 8 + i, count - 1)) * cols }
            let (p0, p1, p2, p3, p4, p5, p6, p7) = (row(0), row(1), row(2), row(3), row(4), row(5), row(6), row(7))
            let strip = strips + g * cols * 8
            var c = 0
            while c + 8 <= cols {
                EightByEight.toColumns(p0 + c, p1 + c, p2 + c, p3 + c, p4 + c, p5 + c, p6 + c, p7 + c, into: strip + c * 8)
                c += 8
            }
            while c < cols {
                for i in 0..<8 { strip[c * 8 + i] = row(i)[c] }
                c += 1
            }
        }
        return stripCount
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }

    @inline(__always)
    static func store(_ value: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: value, as: SIMD8<Float>.self)
    }

    /// Four strips `apart` floats apart from `base`; those past `stripCount` alias the last one
    /// (they compute the same values into the same place).
    @inline(__always)
    static func fourStrips(_ base: UnsafeMutablePointer<Float>, stripCount: Int, apart: Int)
        -> (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) {
        (base, base + min(1, stripCount - 1) * apart, base + min(2, stripCount - 1) * apart, base + min(3, stripCount - 1) * apart)
    }

    /// Four strips' running sums after the lead-in: their first `lag` columns added.
    @inline(__always)
    static func leadIn(_ s0: UnsafePointer<Float>, _ s1: UnsafePointer<Float>, _ s2: UnsafePointer<Float>, _ s3: UnsafePointer<Float>,
                       window: BoxWindow) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        for c in 0..<window.lag {
            a0 += load(s0 + c * 8); a1 += load(s1 + c * 8); a2 += load(s2 + c * 8); a3 += load(s3 + c * 8)
        }
        return (a0, a1, a2, a3)
    }

    /// The blurred values of up to four strips, every column, into `out` (same layout).
    static func runningSums(_ strips: UnsafeMutablePointer<Float>, stripCount: Int, cols: Int, window: BoxWindow,
                            into out: UnsafeMutablePointer<Float>) {
        let (s0, s1, s2, s3) = fourStrips(strips, stripCount: stripCount, apart: cols * 8)
        let (o0, o1, o2, o3) = fourStrips(out, stripCount: stripCount, apart: cols * 8)
        var (a0, a1, a2, a3) = leadIn(s0, s1, s2, s3, window: window)
        let lag = window.lag, addsEnd = window.addsEnd(cols), subtractsStart = window.growing
        var o = 0
        while o < subtractsStart {
            let divisor = ExactDivisor(window.half + o), at = (o + lag) * 8
            a0 += load(s0 + at); a1 += load(s1 + at); a2 += load(s2 + at); a3 += load(s3 + at)
            store(divisor.divide(a0), o0 + o * 8); store(divisor.divide(a1), o1 + o * 8)
            store(divisor.divide(a2), o2 + o * 8); store(divisor.divide(a3), o3 + o * 8)
            o += 1
        }
        let full = ExactDivisor(window.size)
        while o < addsEnd {
            let at = (o + lag) * 8, from = (o - subtractsStart) * 8
            a0 += load(s0 + at); a1 += load(s1 + at); a2 += load(s2 + at); a3 += load(s3 + at)
            a0 -= load(s0 + from); a1 -= load(s1 + from); a2 -= load(s2 + from); a3 -= load(s3 + from)
            store(full.divide(a0), o0 + o * 8); store(full.divide(a1), o1 + o * 8)
            store(full.divide(a2), o2 + o * 8); store(full.divide(a3), o3 + o * 8)
            o += 1
        }
        while o < cols {
            let divisor = ExactDivisor(window.count(at: o, length: cols)), from = (o - subtractsStart) * 8
            a0 -= load(s0 + from); a1 -= load(s1 + from); a2 -= load(s2 + from); a3 -= load(s3 + from)
            store(divisor.divide(a0), o0 + o * 8); store(divisor.divide(a1), o1 + o * 8)
            store(divisor.divide(a2), o2 + o * 8); store(divisor.divide(a3), o3 + o * 8)
            o += 1
        }
    }

    /// The same running sums, divided and kept only at `sampleColumns`: column `j` of strip `g`
    /// goes to `out[g * 512 + j * 8 ..< +8]`. Between samples nothing is stored.
    static func sampledSums(_ strips: UnsafeMutablePointer<Float>, stripCount: Int, cols: Int, window: BoxWindow,
                            sampleColumns: UnsafeBufferPointer<Int>, divisors: UnsafeBufferPointer<ExactDivisor>,
                            into out: UnsafeMutablePointer<Float>) {
        let (s0, s1, s2, s3) = fourStrips(strips, stripCount: stripCount, apart: cols * 8)
        let (o0, o1, o2, o3) = fourStrips(out, stripCount: stripCount, apart: 512)
        var (a0, a1, a2, a3) = leadIn(s0, s1, s2, s3, window: window)
        let lag = window.lag, addsEnd = window.addsEnd(cols), subtractsStart = window.growing
        var o = 0
        for (j, column) in sampleColumns.enumerated() {
            let end = column + 1
            while o < min(end, subtractsStart) {
                let at = (o + lag) * 8
                a0 += load(s0 + at); a1 += load(s1 + at); a2 += load(s2 + at); a3 += load(s3 + at)
                o += 1
            }
            while o < min(end, addsEnd) {
                let at = (o + lag) * 8, from = (o - subtractsStart) * 8
                a0 += load(s0 + at); a1 += load(s1 + at); a2 += load(s2 + at); a3 += load(s3 + at)
                a0 -= load(s0 + from); a1 -= load(s1 + from); a2 -= load(s2 + from); a3 -= load(s3 + from)
                o += 1
            }
            while o < end {
                let from = (o - subtractsStart) * 8
                a0 -= load(s0 + from); a1 -= load(s1 + from); a2 -= load(s2 + from); a3 -= load(s3 + from)
                o += 1
            }
            let divisor = divisors[j]
            store(divisor.divide(a0), o0 + j * 8); store(divisor.divide(a1), o1 + j * 8)
            store(divisor.divide(a2), o2 + j * 8); store(divisor.divide(a3), o3 + j * 8)
        }
    }
}
