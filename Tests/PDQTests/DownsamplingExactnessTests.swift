@testable import PDQ
import Testing
import VigilTestSupport

/// The hasher's blur and decimation against a line-for-line port of the reference, bit for bit, on
/// sizes the reference vectors do not cover: every window from 1 to 9 along each side, sides that
/// are not multiples of the 4 or 8 rows or lanes processed together, tall and wide images.
@Suite struct DownsamplingExactnessTests {
    static let sizes: [(width: Int, height: Int)] = [
        (5, 5), (6, 11), (13, 7), (63, 65), (65, 63), (127, 129), (129, 257), (200, 333),
        (257, 130), (333, 71), (385, 514), (521, 389), (640, 9), (9, 640), (700, 1033), (1151, 260),
    ]

    enum Content: CaseIterable { case noise, gradient, stripes }

    static func pixels(width: Int, height: Int, content: Content, seed: UInt64) -> [UInt8] {
        var generator = HashGenerator(seed: seed)
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<3 {
                    let value: Int
                    switch content {
                    case .noise: value = Int(truncatingIfNeeded: generator.next() & 0xFF)
                    case .gradient: value = (x * 255 / max(1, width - 1) + y * 97 / max(1, height - 1) + c * 40) % 256
                    case .stripes: value = ((x / 3 + y / 5 + c) % 2) * 255
                    }
                    rgb[(y * width + x) * 3 + c] = UInt8(value)
                }
            }
        }
        return rgb
    }

    @Test(arguments: Content.allCases)
    func everySizeDownsamplesAsTheReferenceDoes(content: Content) throws {
        let hasher = PDQHasher()
        for (index, size) in Self.sizes.enumerated() {
            let rgb = Self.pixels(width: size.width, height: size.height, content: content, seed: UInt64(index + 1))
            let expected = StraightPortOfTheReference.block64(
                luma: StraightPortOfTheReference.luma(rgb: rgb, width: size.width, height: size.height),
                width: size.width, height: size.height)
            let block = try #require(rgb.withUnsafeBufferPointer {
                hasher.downsampled(PixelView(bytes: $0, width: size.width, height: size.height, layout: .rgb))
            })
            let differing = zip(block, expected).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(differing == 0, "\(size.width)×\(size.height) \(content): \(differing) of 4096 values differ")
        }
    }
}
