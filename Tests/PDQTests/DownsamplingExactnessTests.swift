@testable import PDQ
import Testing
import VigilTestSupport

/// The hasher's blur and decimation against a line-for-line port of the reference, bit for bit, on
/// sizes the reference vectors do not cover: every window from 1 to 9 along each side and some to
/// 24, sides that are not multiples of the 8 lanes or the 32-row bands processed together, tall and
/// wide images, the 64×64 bypass's neighbours.
@Suite struct DownsamplingExactnessTests {
    static let sizes: [(width: Int, height: Int)] = [
        // Small, and around the 64×64 bypass, the 8 lanes and the 32-row bands the blur streams.
        (5, 5), (6, 11), (13, 7), (63, 65), (65, 63), (127, 129), (129, 257), (40, 32), (50, 33), (64, 65),
        (70, 96), (71, 97),
        // Both sides' windows above 1 at once.
        (200, 333), (257, 130), (333, 71), (521, 389),
        // Each window from 4 to 9 and two larger along rows, then down columns (tall images: the
        // rings of rows wrap many times). Thin, so the straight port stays quick in a debug build.
        (385, 17), (640, 9), (700, 41), (833, 40), (897, 36), (1151, 20), (2049, 40), (3001, 7),
        (17, 389), (9, 640), (41, 700), (40, 833), (36, 897), (22, 1033), (40, 2049), (7, 3001),
        // A window of 33 down columns (the rings' next size; 6 rows in the last strip) and of 66
        // (the column pass emits more at its end than the second ring holds: its limit decides).
        (9, 4102), (9, 8326),
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

    /// The second pass along rows keeps only sampled columns; with every column sampled it must
    /// give what the first pass gives, for windows 1 to 12 and rows from one window long (every
    /// phase, including the shrinking one no sampled column of a real image reaches), 1 to 4 strips.
    @Test func samplingEveryColumnGivesTheFullPass() {
        var generator = HashGenerator(seed: 11)
        var differing: [String] = []
        for size in 1...12 {
            let window = BoxWindow(size: size)
            for cols in stride(from: size, through: min(64, 3 * size + 9), by: 1) {
                for stripCount in 1...RowPass.stripsTogether {
                    let strips = UnsafeMutablePointer<Float>.allocate(capacity: stripCount * cols * 8)
                    let full = UnsafeMutablePointer<Float>.allocate(capacity: stripCount * cols * 8)
                    let picked = UnsafeMutablePointer<Float>.allocate(capacity: stripCount * 64 * 8)
                    defer { strips.deallocate(); full.deallocate(); picked.deallocate() }
                    for i in 0..<(stripCount * cols * 8) { strips[i] = Float(generator.next() % 25_600) / 100 }
                    RowPass.runningSums(strips, stripCount: stripCount, cols: cols, window: window, into: full)
                    let columns = Array(0..<cols)
                    let divisors = columns.map { ExactDivisor(window.count(at: $0, length: cols)) }
                    columns.withUnsafeBufferPointer { columns in
                        divisors.withUnsafeBufferPointer { divisors in
                            RowPass.sampledSums(strips, stripCount: stripCount, cols: cols, window: window,
                                                sampleColumns: columns, divisors: divisors, into: picked)
                        }
                    }
                    for g in 0..<stripCount {
                        for c in 0..<cols where (0..<8).contains(where: { picked[g * 512 + c * 8 + $0].bitPattern != full[g * cols * 8 + c * 8 + $0].bitPattern }) {
                            differing.append("window \(size), \(cols) columns, strip \(g) of \(stripCount), column \(c)")
                        }
                    }
                }
            }
        }
        #expect(differing.isEmpty, "\(differing.prefix(5))")
    }

    /// The blur's scratch is a few bands of rows whatever the image's height, and what a decoding
    /// budget charges covers it for every shape (wide and short images take more a pixel).
    @Test func scratchIsRowsAndTheBudgetCoversIt() {
        #expect(BlurScratch(rows: 10_000, cols: 10_000).floats * 4 < 20_000_000)
        #expect(BlurScratch(rows: 20_000_000, cols: 5).floats * 4 < 60_000_000, "a tall, thin image: not 512 bytes a row")
        for (width, height) in [(10_000, 10_000), (20_000_000, 5), (5, 20_000_000), (3_125_000, 32), (1_000_000, 100), (1600, 1004)] {
            let scratch = BlurScratch(rows: height, cols: width).floats * 4
            #expect(PDQHasher.scratchBytes(width: width, height: height) >= scratch)
        }
    }
}
