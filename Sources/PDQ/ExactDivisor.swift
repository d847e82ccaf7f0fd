/// Division by a small whole number, bit for bit as IEEE division rounds it, at a fraction of its
/// cost: `q = x·(1/n)`, then the remainder `x − q·n` (exact in one fused multiply-add) corrects
/// `q` by a second (Markstein's correction step). Vector division is the slowest arithmetic the
/// blur does (`perf annotate` had the column pass waiting on `vdivps`); this is a multiply and two
/// FMAs, which need the CPU's FMA instructions: builds without them (`VIGIL_FMA` unset; see
/// Package.swift) divide.
///
/// The correction is exact for every divisor up to `verifiedLimit` and every x whose quotient is a
/// normal float, by exhaustion: every float in [1, 2) divided by every odd n up to it gives
/// `x / n` (`Benchmarks/pdq-speed.sh` re-runs the check; the unit tests a sample); scaling x or n
/// by a power of two scales each step exactly, and rounding is symmetric in sign. Not covered, and
/// never made by pixels or the sums of their luma: subnormal quotients (off by one unit), −0 (gives
/// +0) and infinities (give NaN). Beyond the limit (a side over 131,000 pixels) the blur divides.
struct ExactDivisor {
    static let verifiedLimit = 1025

    /// Whether this build computes the correction (the CPU has fused multiply-add).
    #if VIGIL_FMA
    static let corrects = true
    #else
    static let corrects = false
    #endif

    let divisor: Float
    let negated: Float
    let reciprocal: Float
    /// Divides instead: beyond the verified divisors, or without FMA.
    let divides: Bool

    init(_ n: Int) {
        self.init(n, correcting: Self.corrects && n <= Self.verifiedLimit)
    }

    /// With `correcting`, the correction whatever `n` (for the exhaustive check of a new limit).
    init(_ n: Int, correcting: Bool) {
        divisor = Float(n)
        negated = -Float(n)
        reciprocal = 1 / Float(n)
        divides = !correcting
    }

    /// `x / divisor`, rounded as IEEE division rounds it.
    @inline(__always)
    func divide(_ x: SIMD8<Float>) -> SIMD8<Float> {
        if divides { return x / SIMD8<Float>(repeating: divisor) }
        let y = SIMD8<Float>(repeating: reciprocal)
        let q = x * y
        let remainder = x.addingProduct(q, SIMD8<Float>(repeating: negated))  // x − q·n, exactly
        return q.addingProduct(remainder, y)
    }

    /// `x / divisor` for one value.
    @inline(__always)
    func divide(_ x: Float) -> Float {
        if divides { return x / divisor }
        let q = x * reciprocal
        let remainder = x.addingProduct(q, negated)
        return q.addingProduct(remainder, reciprocal)
    }
}
