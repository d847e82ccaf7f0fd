#if VIGIL_AVX2
import _Builtin_intrinsics.intel
#endif

/// 8×8 transposes between rows (any stride) and columns of eight: for each column, eight
/// consecutive floats, one per row — the layout in which one SIMD8 add advances eight rows' running
/// sums. Built for AVX2 from 16 shuffles (two 4×4 transposes in the 128-bit halves) and loads or
/// stores of 128-bit halves, which do not use the shuffle port; LLVM folds the same shuffles
/// written with Swift's portable SIMD types into about 75. Elsewhere, scalar.
enum EightByEight {
    /// Whether this build transposes with AVX2.
    #if VIGIL_AVX2
    static let usesAVX2 = true
    #else
    static let usesAVX2 = false
    #endif

    /// `out[j * 8 + i] = p_i[j]` for i, j in 0 ..< 8.
    @inline(__always)
    static func toColumns(_ p0: UnsafePointer<Float>, _ p1: UnsafePointer<Float>, _ p2: UnsafePointer<Float>, _ p3: UnsafePointer<Float>,
                          _ p4: UnsafePointer<Float>, _ p5: UnsafePointer<Float>, _ p6: UnsafePointer<Float>, _ p7: UnsafePointer<Float>,
                          into out: UnsafeMutablePointer<Float>) {
        #if VIGIL_AVX2
        // Rows i and i + 4 share a register, one in each 128-bit half (the load does it, off the
        // shuffle port); two 4×4 transposes within the halves finish the job.
        let (c0, c1, c2, c3) = transposeHalves(_mm256_loadu2_m128(p4, p0), _mm256_loadu2_m128(p5, p1),
                                               _mm256_loadu2_m128(p6, p2), _mm256_loadu2_m128(p7, p3))
        let (c4, c5, c6, c7) = transposeHalves(_mm256_loadu2_m128(p4 + 4, p0 + 4), _mm256_loadu2_m128(p5 + 4, p1 + 4),
                                               _mm256_loadu2_m128(p6 + 4, p2 + 4), _mm256_loadu2_m128(p7 + 4, p3 + 4))
        _mm256_storeu_ps(out, c0); _mm256_storeu_ps(out + 8, c1); _mm256_storeu_ps(out + 16, c2); _mm256_storeu_ps(out + 24, c3)
        _mm256_storeu_ps(out + 32, c4); _mm256_storeu_ps(out + 40, c5); _mm256_storeu_ps(out + 48, c6); _mm256_storeu_ps(out + 56, c7)
        #else
        toColumnsOneByOne(p0, p1, p2, p3, p4, p5, p6, p7, into: out)
        #endif
    }

    /// `toColumns` one float at a time (the build without AVX2; the tests compare the two).
    static func toColumnsOneByOne(_ p0: UnsafePointer<Float>, _ p1: UnsafePointer<Float>, _ p2: UnsafePointer<Float>, _ p3: UnsafePointer<Float>,
                                  _ p4: UnsafePointer<Float>, _ p5: UnsafePointer<Float>, _ p6: UnsafePointer<Float>, _ p7: UnsafePointer<Float>,
                                  into out: UnsafeMutablePointer<Float>) {
        for j in 0..<8 {
            let column = out + j * 8
            column[0] = p0[j]; column[1] = p1[j]; column[2] = p2[j]; column[3] = p3[j]
            column[4] = p4[j]; column[5] = p5[j]; column[6] = p6[j]; column[7] = p7[j]
        }
    }

    /// `rows[i * stride + j] = columns[j * 8 + i]` for i < `count`, j in 0 ..< 8.
    @inline(__always)
    static func fromColumns(_ columns: UnsafePointer<Float>, into rows: UnsafeMutablePointer<Float>, stride: Int, count: Int) {
        #if VIGIL_AVX2
        if count == 8 {
            // The same in reverse: 4×4 transposes within halves, each half stored to its row.
            let (w0, w1, w2, w3) = transposeHalves(_mm256_loadu_ps(columns), _mm256_loadu_ps(columns + 8),
                                                   _mm256_loadu_ps(columns + 16), _mm256_loadu_ps(columns + 24))
            let (x0, x1, x2, x3) = transposeHalves(_mm256_loadu_ps(columns + 32), _mm256_loadu_ps(columns + 40),
                                                   _mm256_loadu_ps(columns + 48), _mm256_loadu_ps(columns + 56))
            _mm256_storeu2_m128(rows + 4 * stride, rows, w0); _mm256_storeu2_m128(rows + 4 * stride + 4, rows + 4, x0)
            _mm256_storeu2_m128(rows + 5 * stride, rows + stride, w1); _mm256_storeu2_m128(rows + 5 * stride + 4, rows + stride + 4, x1)
            _mm256_storeu2_m128(rows + 6 * stride, rows + 2 * stride, w2); _mm256_storeu2_m128(rows + 6 * stride + 4, rows + 2 * stride + 4, x2)
            _mm256_storeu2_m128(rows + 7 * stride, rows + 3 * stride, w3); _mm256_storeu2_m128(rows + 7 * stride + 4, rows + 3 * stride + 4, x3)
            return
        }
        #endif
        fromColumnsOneByOne(columns, into: rows, stride: stride, count: count)
    }

    /// `fromColumns` one float at a time (the build without AVX2, and part-filled strips).
    static func fromColumnsOneByOne(_ columns: UnsafePointer<Float>, into rows: UnsafeMutablePointer<Float>, stride: Int, count: Int) {
        for i in 0..<count {
            for j in 0..<8 { rows[i * stride + j] = columns[j * 8 + i] }
        }
    }

    #if VIGIL_AVX2
    /// Transposes the 4×4 block in each 128-bit half of `a0 … a3` (row k of each block in `ak`).
    @inline(__always)
    static func transposeHalves(_ a0: __m256, _ a1: __m256, _ a2: __m256, _ a3: __m256) -> (__m256, __m256, __m256, __m256) {
        let t0 = _mm256_unpacklo_ps(a0, a1), t1 = _mm256_unpackhi_ps(a0, a1)
        let t2 = _mm256_unpacklo_ps(a2, a3), t3 = _mm256_unpackhi_ps(a2, a3)
        return (pairsLow(t0, t2), pairsHigh(t0, t2), pairsLow(t1, t3), pairsHigh(t1, t3))
    }

    @inline(__always)
    static func pairsLow(_ a: __m256, _ b: __m256) -> __m256 {
        _mm256_castpd_ps(_mm256_unpacklo_pd(_mm256_castps_pd(a), _mm256_castps_pd(b)))
    }

    @inline(__always)
    static func pairsHigh(_ a: __m256, _ b: __m256) -> __m256 {
        _mm256_castpd_ps(_mm256_unpackhi_pd(_mm256_castps_pd(a), _mm256_castps_pd(b)))
    }
    #endif
}
