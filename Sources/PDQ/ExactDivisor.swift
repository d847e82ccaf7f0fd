/// Division by a small whole number, bit for bit as IEEE division rounds it, at a third of its
/// cost: `q = x·(1/n)`, then the remainder `x − q·n` (exact in one fused multiply-add) corrects
/// `q` by a second (Markstein's correction step). `vdivps` is the slowest instruction of the blur
/// (5 cycles for 8 lanes); this is a multiply and two FMAs.
///
/// The correction is exact for every divisor up to `verifiedLimit`, by exhaustion: every float in
/// [1, 2) divided by every odd n up to it gives `x / n` (`Benchmarks/pdq-speed.sh` re-runs the
/// check; the unit tests a sample). That covers every normal float: scaling x or n by a power of
/// two scales each step exactly. Beyond it (a side over 131,000 pixels) the blur divides.
/// Subnormal quotients are not covered; pixels and the sums of their luma never make one.
struct ExactDivisor {
    static let verifiedLimit = 1025

    let divisor: Float
    let reciprocal: Float
    /// Beyond the verified divisors: divide.
    let divides: Bool

    init(_ n: Int) {
        divisor = Float(n)
        reciprocal = 1 / Float(n)
        divides = n > Self.verifiedLimit
    }

    /// `x / divisor`, rounded as IEEE division rounds it.
    @inline(__always)
    func divide(_ x: SIMD8<Float>) -> SIMD8<Float> {
        if divides { return x / SIMD8<Float>(repeating: divisor) }
        let y = SIMD8<Float>(repeating: reciprocal)
        let q = x * y
        let remainder = x.addingProduct(-q, SIMD8<Float>(repeating: divisor))
        return q.addingProduct(remainder, y)
    }

    /// `x / divisor` for one value.
    @inline(__always)
    func divide(_ x: Float) -> Float {
        if divides { return x / divisor }
        let q = x * reciprocal
        let remainder = x.addingProduct(-q, divisor)
        return q.addingProduct(remainder, reciprocal)
    }
}
