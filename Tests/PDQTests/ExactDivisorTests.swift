@testable import PDQ
import Testing
import VigilTestSupport

/// `ExactDivisor` must round every quotient as IEEE division does, or the blur stops being the
/// reference's. `Benchmarks/pdq-speed.sh` checks every float in [1, 2); this samples it.
@Suite struct ExactDivisorTests {
    @Test func everyVerifiedDivisorRoundsAsDivisionDoes() {
        var differing: [String] = []
        for n in 1...ExactDivisor.verifiedLimit {
            let divisor = ExactDivisor(n, correcting: true)
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

    @Test func theBuildCorrectsUpToTheLimitAndDividesBeyond() {
        #expect(ExactDivisor(ExactDivisor.verifiedLimit).divides == !ExactDivisor.corrects)
        let beyond = ExactDivisor(ExactDivisor.verifiedLimit + 2)
        #expect(beyond.divides)
        #expect(beyond.divide(1.7).bitPattern == (Float(1.7) / Float(ExactDivisor.verifiedLimit + 2)).bitPattern)
    }

    @Test func buildsWithAVX2CorrectAndOthersWhereTheyCan() {
        // Package.swift defines both for the x86 CPUs it knows have AVX2 and FMA, and FMA alone
        // elsewhere: a build that silently lost them would divide, correct but slower.
        #if arch(x86_64)
        #expect(ExactDivisor.corrects == EightByEight.usesAVX2)
        #else
        #expect(ExactDivisor.corrects)
        #endif
    }
}

/// The 8×8 transposes of the passes along rows: the build's (AVX2 where the target has it) against
/// the one-float-at-a-time version the other builds use, and both against the definition.
@Suite struct EightByEightTests {
    @Test func bothWaysTransposeAsDefined() {
        let stride = 21
        var generator = HashGenerator(seed: 3)
        let source = UnsafeMutablePointer<Float>.allocate(capacity: 8 * stride)
        let columns = UnsafeMutablePointer<Float>.allocate(capacity: 64), oneByOne = UnsafeMutablePointer<Float>.allocate(capacity: 64)
        let back = UnsafeMutablePointer<Float>.allocate(capacity: 8 * stride), backOneByOne = UnsafeMutablePointer<Float>.allocate(capacity: 8 * stride)
        defer { [source, columns, oneByOne, back, backOneByOne].forEach { $0.deallocate() } }
        for i in 0..<(8 * stride) { source[i] = Float(Int(truncatingIfNeeded: generator.next() % 100_000)) / 7 }
        // Rows start 5 floats in, 21 apart: neither aligned nor a multiple of 8.
        let rows = (0..<8).map { UnsafePointer(source + 5 + $0 * stride) }

        EightByEight.toColumns(rows[0], rows[1], rows[2], rows[3], rows[4], rows[5], rows[6], rows[7], into: columns)
        EightByEight.toColumnsOneByOne(rows[0], rows[1], rows[2], rows[3], rows[4], rows[5], rows[6], rows[7], into: oneByOne)
        #expect((0..<64).allSatisfy { columns[$0] == oneByOne[$0] })
        #expect((0..<64).allSatisfy { columns[($0 % 8) * 8 + $0 / 8] == rows[$0 / 8][$0 % 8] })

        for count in [8, 5, 1] {
            back.update(repeating: -1, count: 8 * stride)
            backOneByOne.update(repeating: -1, count: 8 * stride)
            EightByEight.fromColumns(columns, into: back + 2, stride: stride, count: count)
            EightByEight.fromColumnsOneByOne(columns, into: backOneByOne + 2, stride: stride, count: count)
            #expect((0..<(8 * stride)).allSatisfy { back[$0] == backOneByOne[$0] }, "count \(count)")
            // Rows past `count` and the floats between rows are not written.
            #expect((0..<(8 * stride)).allSatisfy { i in
                let (row, column) = ((i - 2) / stride, (i - 2) % stride)
                let written = i >= 2 && row < count && column < 8
                return written ? back[i] == rows[row][column] : back[i] == -1
            }, "count \(count)")
        }
    }
}
