@testable import PDQ

/// Meta's reference downsampling (`downscaling.cpp`), ported line for line with none of
/// `PDQHasher`'s reorganisation: luma from RGB, two passes of `box1DFloat` along rows then columns,
/// `decimateFloat` to 64×64. The oracle the optimised hasher is compared with, bit for bit, on
/// images of sizes the reference vectors do not cover.
enum StraightPortOfTheReference {
    static func luma(rgb: [UInt8], width: Int, height: Int) -> [Float] {
        let r = Float(0.299 as Double), g = Float(0.587 as Double), b = Float(0.114 as Double)
        var out = [Float](repeating: 0, count: width * height)
        for i in 0..<height {
            for j in 0..<width {
                let p = (i * width + j) * 3
                let first = r * Float(rgb[p])
                let second = g * Float(rgb[p + 1])
                let third = b * Float(rgb[p + 2])
                out[i * width + j] = (first + second) + third
            }
        }
        return out
    }

    static func box1D(_ input: [Float], _ output: inout [Float], start: Int, length: Int, stride: Int, window: Int) {
        let half = (window + 2) / 2
        var li = start, ri = start, oi = start
        var sum: Float = 0
        var current = 0
        for _ in 0..<(half - 1) {
            sum += input[ri]; current += 1; ri += stride
        }
        for _ in 0..<(window - half + 1) {
            sum += input[ri]; current += 1
            output[oi] = sum / Float(current)
            ri += stride; oi += stride
        }
        for _ in 0..<max(0, length - window) {
            sum += input[ri]; sum -= input[li]
            output[oi] = sum / Float(current)
            li += stride; ri += stride; oi += stride
        }
        for _ in 0..<(half - 1) {
            sum -= input[li]; current -= 1
            output[oi] = sum / Float(current)
            li += stride; oi += stride
        }
    }

    /// `scaleFloatLuma` with two Jarosz passes, to 64×64.
    static func block64(luma: [Float], width: Int, height: Int) -> [Float] {
        let alongRows = (width + 127) / 128, alongCols = (height + 127) / 128
        var buffer1 = luma
        var buffer2 = [Float](repeating: 0, count: width * height)
        for _ in 0..<2 {
            for i in 0..<height { box1D(buffer1, &buffer2, start: i * width, length: width, stride: 1, window: alongRows) }
            for j in 0..<width { box1D(buffer2, &buffer1, start: j, length: height, stride: width, window: alongCols) }
        }
        var out = [Float](repeating: 0, count: 64 * 64)
        for i in 0..<64 {
            let ini = Int(((Double(i) + 0.5) * Double(height)) / 64)
            for j in 0..<64 {
                let inj = Int(((Double(j) + 0.5) * Double(width)) / 64)
                out[i * 64 + j] = buffer1[ini * width + inj]
            }
        }
        return out
    }
}
