import Foundation
import PDQ
import Testing
import VigilTestSupport

/// Decoder-free bit-exactness: the PPM dumps in `raw/` hold the exact RGB of two reference JPEGs.
@Suite struct PDQReferenceTests {
    static let ppms = ReferenceData.expectedFiles.filter { $0.hasSuffix(".ppm") }

    @Test func referenceDataIsPresent() throws {
        #expect(try ReferenceData.expected().count == 21)
        #expect(try ReferenceData.dihedral().count == 8)
    }

    @Test func bothPPMDumpsAreListed() {
        #expect(Self.ppms == ["raw/wee.ppm", "raw/q1050.ppm"])
    }

    @Test(arguments: ppms)
    func ppmHashesExactly(ppmPath: String) throws {
        let ppm = try ReferenceData.readPPM(ReferenceData.url(ppmPath))
        let expected = try ReferenceData.expected(file: ppmPath)
        #expect(ppm.width == expected.width && ppm.height == expected.height)
        let hasher = PDQHasher()
        for pipeline in PDQPipeline.allCases {
            let result = ppm.rgb.withUnsafeBufferPointer { bytes in
                hasher.hash(PixelView(bytes: bytes, width: ppm.width, height: ppm.height, layout: .rgb), pipeline: pipeline)
            }
            let (hash, quality) = pipeline == .fullResolution
                ? (expected.pdqFullres, expected.qualityFullres) : (expected.pdqCLI, expected.qualityCLI)
            #expect(result.hash == hash, "\(pipeline) distance \(result.hash.distance(to: hash))")
            #expect(result.quality == quality)
        }
    }

    @Test func tinyImagesHashToZeroWithQualityZero() {
        let pixels = [UInt8](repeating: 200, count: 4 * 40 * 3)
        let result = pixels.withUnsafeBufferPointer {
            PDQHasher().hash(PixelView(bytes: $0, width: 40, height: 4, layout: .rgb))
        }
        #expect(result == PDQResult(hash: .zero, quality: 0))
        let dihedral = pixels.withUnsafeBufferPointer {
            PDQHasher().dihedralHashes(PixelView(bytes: $0, width: 4, height: 40, layout: .rgb))
        }
        #expect(dihedral.hashes == Array(repeating: .zero, count: 8) && dihedral.quality == 0)
    }

    @Test func greyPathUsesValueAsLuma() throws {
        // Grey through the grey path must equal float luma = value, not the RGB formula.
        var grey = [UInt8](repeating: 0, count: 100 * 80)
        var generator = HashGenerator(seed: 7)
        for i in grey.indices { grey[i] = UInt8(truncatingIfNeeded: generator.next()) }
        let luma = grey.map(Float.init)
        let hasher = PDQHasher()
        let viaGrey = grey.withUnsafeBufferPointer { hasher.hash(PixelView(bytes: $0, width: 100, height: 80, layout: .grey)) }
        let viaLuma = luma.withUnsafeBufferPointer { hasher.hash(luma: $0, width: 100, height: 80) }
        #expect(viaGrey == viaLuma)
    }

    @Test func hasherReusesScratchAcrossSizes() throws {
        // A large image then a small one then the large again: scratch reuse must not leak state.
        let ppmA = try ReferenceData.readPPM(ReferenceData.url("raw/q1050.ppm"))
        let ppmB = try ReferenceData.readPPM(ReferenceData.url("raw/wee.ppm"))
        let hasher = PDQHasher()
        func run(_ p: ReferenceData.PPM) -> PDQResult {
            p.rgb.withUnsafeBufferPointer { hasher.hash(PixelView(bytes: $0, width: p.width, height: p.height, layout: .rgb)) }
        }
        let first = run(ppmA)
        let small = run(ppmB)
        #expect(run(ppmA) == first)
        #expect(run(ppmB) == small)
    }
}
