import Foundation

// Checks ExactDivisor's correction (compiled in with this file, forced on) against IEEE division
// for every float in [1, 2) and every odd divisor up to LIMIT (default: its verified limit): by
// scaling, every normal quotient and every divisor up to the limit (see ExactDivisor.swift).
// Exits 1 on the first difference.
let arguments = CommandLine.arguments
guard arguments.count <= 2, let limit = arguments.count == 2 ? Int(arguments[1]) : ExactDivisor.verifiedLimit, limit >= 1 else {
    FileHandle.standardError.write(Data("usage: divisor-check [LIMIT]\n".utf8))
    exit(2)
}
var n = 1
while n <= limit {
    let divisor = ExactDivisor(n, correcting: true)
    let ieee = SIMD8<Float>(repeating: Float(n))
    var bits: UInt32 = 0x3F80_0000
    while bits < 0x4000_0000 {
        var x = SIMD8<Float>()
        for lane in 0..<8 { x[lane] = Float(bitPattern: bits + UInt32(lane)) }
        let corrected = divisor.divide(x), expected = x / ieee
        for lane in 0..<8 where corrected[lane].bitPattern != expected[lane].bitPattern
            || divisor.divide(x[lane]).bitPattern != expected[lane].bitPattern {
            print("ExactDivisor(\(n)) of \(x[lane]): \(corrected[lane]), IEEE division: \(expected[lane])")
            exit(1)
        }
        bits += 8
    }
    n += 2
}
print("ExactDivisor: every float in [1, 2) over every odd divisor up to \(limit) equals IEEE division")
