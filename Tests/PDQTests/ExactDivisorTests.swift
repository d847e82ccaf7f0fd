@testable import PDQ
import Testing

/// `ExactDivisor` must round every quotient as IEEE division does, or the blur stops being the
/// reference's. `Benchmarks/pdq-speed.sh` checks every float in [1, 2); this samples it.
@Suite struct ExactDivisorTests {
    @Test func everyVerifiedDivisorRoundsAsDivisionDoes() {
        var differing: [String] = []
        for n in 1...ExactDivisor.verifiedLimit {
            let divisor = ExactDivisor(n)
            #expect(!divisor.divides)
            // A stride through one binade, its ends, and whole numbers (sums of grey pixels).
            var values: [Float] = stride(from: UInt32(0x3F80_0000), to: 0x4000_0000, by: 65_537).map { Float(bitPattern: $0) }
            values += [1, Float(2).nextDown, 0, -1.5, Float(n), Float(n * 255), Float(n * 255).nextDown, 3315.25, 0.114]
            for x in values where divisor.divide(x).bitPattern != (x / Float(n)).bitPattern {
                differing.append("\(x) / \(n)")
            }
            let eight = SIMD8<Float>(values[0..<8])
            let lanes = divisor.divide(eight), ieee = eight / SIMD8(repeating: Float(n))
            for lane in 0..<8 where lanes[lane].bitPattern != ieee[lane].bitPattern { differing.append("lane \(lane) / \(n)") }
        }
        #expect(differing.isEmpty, "\(differing.prefix(5))")
    }

    @Test func beyondTheVerifiedDivisorsItDivides() {
        let divisor = ExactDivisor(ExactDivisor.verifiedLimit + 2)
        #expect(divisor.divides)
        #expect(divisor.divide(1.7).bitPattern == (Float(1.7) / Float(ExactDivisor.verifiedLimit + 2)).bitPattern)
    }
}
