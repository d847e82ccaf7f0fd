/// The 64×64 → 16×16 DCT, quality metric, median threshold and dihedral transforms of the reference
/// (`pdqhashing.cpp`), in single precision with every sum in the reference's order.
enum DCT16 {
    /// D[i][j] = (float)((double)(float)sqrt(2/64) · cos(π/2/64 · (i+1) · (2j+1))), 16×64 row-major.
    static let matrix: [Float] = {
        let scale = Double(Float((2.0 / 64.0).squareRoot()))
        var d = [Float](repeating: 0, count: 16 * 64)
        for i in 0..<16 {
            for j in 0..<64 {
                d[i * 64 + j] = Float(scale * cos((Double.pi / 2.0 / 64.0) * Double(i + 1) * Double(2 * j + 1)))
            }
        }
        return d
    }()

    /// Dᵀ, 64×16 row-major, so that the second product can run across 16 lanes.
    static let transposed: [Float] = {
        var t = [Float](repeating: 0, count: 64 * 16)
        for i in 0..<16 { for k in 0..<64 { t[k * 16 + i] = matrix[i * 64 + k] } }
        return t
    }()

    /// B = (D·A)·Dᵀ. `a` is 64×64, `t` 16×64 scratch, `b` 16×16 output. Each entry accumulates from
    /// 0.0f over k = 0 ..< 64 in order, as the reference does; lanes run across independent entries.
    static func transform(_ a: UnsafePointer<Float>, _ t: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>) {
        matrix.withUnsafeBufferPointer { dBuf in
            let d = dBuf.baseAddress!
            let aRows = UnsafeRawPointer(a)
            let tVec = UnsafeMutableRawPointer(t)
            for i in 0..<16 {
                for block in 0..<8 {
                    var sum = SIMD8<Float>(repeating: 0)
                    for k in 0..<64 {
                        let column = aRows.loadUnaligned(
                            fromByteOffset: (k * 64 + block * 8) * 4, as: SIMD8<Float>.self)
                        sum += SIMD8<Float>(repeating: d[i * 64 + k]) * column
                    }
                    tVec.storeBytes(of: sum, toByteOffset: (i * 64 + block * 8) * 4, as: SIMD8<Float>.self)
                }
            }
        }
        transposed.withUnsafeBufferPointer { dtBuf in
            let dt = UnsafeRawPointer(dtBuf.baseAddress!)
            let bVec = UnsafeMutableRawPointer(b)
            for i in 0..<16 {
                var sum = SIMD16<Float>(repeating: 0)
                for k in 0..<64 {
                    let row = dt.loadUnaligned(fromByteOffset: k * 16 * 4, as: SIMD16<Float>.self)
                    sum += SIMD16<Float>(repeating: t[i * 64 + k]) * row
                }
                bVec.storeBytes(of: sum, toByteOffset: i * 16 * 4, as: SIMD16<Float>.self)
            }
        }
    }

    /// `pdqImageDomainQualityMetric`: truncated, scaled gradients of the 64×64 blurred image.
    static func quality(_ a: UnsafePointer<Float>) -> Int {
        var gradientSum = 0
        for i in 0..<63 {
            for j in 0..<64 {
                let d = Int(((a[i * 64 + j] - a[(i + 1) * 64 + j]) * 100) / 255)
                gradientSum += abs(d)
            }
        }
        for i in 0..<64 {
            for j in 0..<63 {
                let d = Int(((a[i * 64 + j] - a[i * 64 + j + 1]) * 100) / 255)
                gradientSum += abs(d)
            }
        }
        return min(gradientSum / 90, 100)
    }

    /// Bits set where a coefficient is strictly above the lower median (the 128th smallest, as
    /// Torben's method returns for 256 values).
    static func bits(_ b: UnsafePointer<Float>) -> PDQHash {
        var sorted = [Float](UnsafeBufferPointer(start: b, count: 256))
        sorted.sort()
        let median = sorted[127]
        var hash = PDQHash.zero
        for k in 0..<256 where b[k] > median { hash.setBit(k) }
        return hash
    }

    /// `dct16OriginalTo…`: the 16×16 coefficients of a rotated or flipped image.
    static func dihedral(_ variant: DihedralVariant, _ a: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>) {
        for i in 0..<16 {
            for j in 0..<16 {
                let v = a[i * 16 + j]
                let odd = { (x: Int) in x & 1 == 1 }
                switch variant {
                case .original: out[i * 16 + j] = v
                case .rotate90: out[j * 16 + i] = odd(j) ? v : -v
                case .rotate180: out[i * 16 + j] = odd(i + j) ? -v : v
                case .rotate270: out[j * 16 + i] = odd(i) ? v : -v
                case .flipX: out[i * 16 + j] = odd(i) ? v : -v
                case .flipY: out[i * 16 + j] = odd(j) ? v : -v
                case .flipPlus1: out[j * 16 + i] = v
                case .flipMinus1: out[j * 16 + i] = odd(i + j) ? -v : v
                }
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
