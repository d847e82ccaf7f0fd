import Access
import Banks
import ContentHashing
import Foundation
import ImageCodecs

/// Deterministic, benign demo pictures: interference patterns of a few sinusoids with soft
/// colour, textured enough for PDQ quality well above the gate.
public enum DemoImages {
    public static let count = 4
    static let width = 640, height = 480

    public static func jpeg(_ index: Int) throws -> [UInt8] {
        try JPEGEncoder.encode(rgb: pixels(index), width: width, height: height, quality: 90)
    }

    static func pixels(_ index: Int) -> [UInt8] {
        let seed = Double(index + 1)
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let u = Double(x) / Double(width), v = Double(y) / Double(height)
                let a = sin((u * (3 + seed) + v * seed) * .pi * 2)
                let b = cos((v * (2 + seed * 1.5) - u * 0.7) * .pi * 2 + seed)
                let r2 = (u - 0.3 * seed.truncatingRemainder(dividingBy: 3)) * (u - 0.5) + (v - 0.5) * (v - 0.4)
                let c = sin(r2 * 40 * seed)
                let i = (y * width + x) * 3
                rgb[i] = UInt8(clamping: Int(128 + 100 * a * (index % 2 == 0 ? 1 : -1) + 20 * c))
                rgb[i + 1] = UInt8(clamping: Int(128 + 90 * b + 30 * c))
                rgb[i + 2] = UInt8(clamping: Int(128 + 60 * (a * b) - 60 * c))
            }
        }
        return rgb
    }
}
