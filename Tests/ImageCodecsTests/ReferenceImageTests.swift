import ContentHashing
import Crypto
import Foundation
import ImageCodecs
import PDQ
import Testing
import VigilTestSupport

/// End to end on the reference JPEGs: Debian's libjpeg-turbo must decode each to the listed RGB
/// digest, and then both pipelines must equal the reference hashes and qualities bit for bit.
@Suite struct ReferenceImageTests {
    static let jpegFiles = ReferenceData.expectedFiles.filter { $0.hasSuffix(".jpg") }

    @Test func everyReferenceJPEGIsListed() throws {
        #expect(Self.jpegFiles.count == 19)
    }

    @Test(arguments: jpegFiles)
    func decodesToReferencePixelsAndHashesExactly(file: String) throws {
        let expected = try ReferenceData.expected(file: file)
        let bytes = [UInt8](try Data(contentsOf: ReferenceData.url(file)))
        let image = try ImageDecoder().decode(bytes)
        #expect(image.format == .jpeg)
        #expect(image.width == expected.width && image.height == expected.height)
        // The digest is over H×W×3 RGB; grey images expand to R=G=B for the comparison.
        let rgb = image.channels == .rgb ? image.pixels : image.pixels.flatMap { [$0, $0, $0] }
        let digest = SHA256.hash(data: rgb).map { String(format: "%02x", $0) }.joined()
        #expect(digest == expected.rgbSHA256, "decoded pixels differ from the reference decoder")

        let hasher = ContentHasher()
        let full = try hasher.signals(of: bytes, pipeline: .fullResolution)
        #expect(full.pdq == expected.pdqFullres, "fullres distance \(full.pdq.distance(to: expected.pdqFullres))")
        #expect(full.quality == expected.qualityFullres)
        let cli = try hasher.signals(of: bytes, pipeline: .referenceCLI)
        #expect(cli.pdq == expected.pdqCLI, "reference-cli distance \(cli.pdq.distance(to: expected.pdqCLI))")
        #expect(cli.quality == expected.qualityCLI)
    }

    @Test(arguments: PDQPipeline.allCases)
    func dihedralHashesOfBridgeMatchReference(pipeline: PDQPipeline) throws {
        let rows = try ReferenceData.dihedral()
        let bytes = [UInt8](try Data(contentsOf: ReferenceData.url("reg-test-input/dih/bridge-1-original.jpg")))
        let signals = try ContentHasher().signals(of: bytes, pipeline: pipeline, dihedral: true)
        let hashes = try #require(signals.dihedral)
        #expect(hashes.count == 8)
        for row in rows {
            let want = pipeline == .fullResolution ? row.fullres : row.cli
            #expect(hashes[row.index] == want, "\(row.xform): distance \(hashes[row.index].distance(to: want))")
        }
        #expect(signals.pdq == hashes[0])
    }
}
