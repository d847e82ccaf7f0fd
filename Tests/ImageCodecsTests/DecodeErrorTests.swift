import Foundation
import ImageCodecs
import Testing
import VigilTestSupport

/// Bad input gives a typed error: never a crash, a hang, or a pixel buffer sized by a lying header.
@Suite(.timeLimit(.minutes(2))) struct DecodeErrorTests {
    static let photo = ReferenceData.url("reg-test-input/labelme-subset/q1050.jpg")
    static let specs = ["jpeg:", "png:", "gif:", "webp:", "tiff:", "bmp3:", "heic:", "avif:"]

    static func encoded(_ spec: String) throws -> [UInt8] {
        spec == "jpeg:" ? [UInt8](try Data(contentsOf: photo)) : try ImageMagick.encode(photo, to: spec)
    }

    @Test(arguments: specs)
    func truncatedCopiesAreRefused(spec: String) throws {
        let bytes = try Self.encoded(spec)
        for fraction in [0.1, 0.5, 0.9] {
            let cut = Array(bytes.prefix(Int(Double(bytes.count) * fraction)))
            #expect(throws: ImageDecodingError.self, "\(spec) cut to \(fraction)") {
                try ImageDecoder().decode(cut)
            }
        }
    }

    @Test(arguments: ReferenceData.expectedFiles.filter { $0.hasSuffix(".jpg") })
    func truncatedReferenceJPEGsAreRefused(file: String) throws {
        let bytes = [UInt8](try Data(contentsOf: ReferenceData.url(file)))
        let error = try #require(throws: ImageDecodingError.self) {
            try ImageDecoder().decode(Array(bytes.prefix(bytes.count * 2 / 3)))
        }
        #expect(error.code == "corrupt_image")
    }

    /// Garbage written over the body: either a typed error or an image of the declared size.
    @Test(arguments: specs)
    func corruptedCopiesNeverCrash(spec: String) throws {
        let bytes = try Self.encoded(spec)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            var copy = bytes
            let start = Int.random(in: 16..<copy.count, using: &generator)
            for i in start..<min(copy.count, start + 64) { copy[i] = UInt8.random(in: 0...255, using: &generator) }
            do {
                let image = try ImageDecoder().decode(copy)
                #expect(image.pixels.count == image.width * image.height * image.channels.rawValue)
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
    }

    @Test func corruptedJPEGHeaderIsRefused() throws {
        var bytes = [UInt8](try Data(contentsOf: Self.photo))
        for i in 4..<400 { bytes[i] = 0x5A }  // keep the FF D8 FF signature
        let error = try #require(throws: ImageDecodingError.self) { try ImageDecoder().decode(bytes) }
        #expect(error.code == "corrupt_image")
    }

    /// A 60-byte PNG whose header claims 30000×30000: refused from the header, before allocating.
    @Test func pngClaimingHugeDimensionsIsRefusedFromItsHeader() throws {
        let png = PNGHeader.make(width: 30000, height: 30000)
        #expect(png.count < 100)
        #expect(throws: ImageDecodingError.tooManyPixels(width: 30000, height: 30000, limit: 100_000_000)) {
            try ImageDecoder().decode(png)
        }
        // The same header under a larger limit gets past the check and fails on the missing data.
        let relaxed = ImageDecoder(limits: DecodeLimits(maxEncodedBytes: 1 << 20, maxPixels: 1 << 40))
        let error = try #require(throws: ImageDecodingError.self) { try relaxed.decode(png) }
        #expect(error.code == "corrupt_image")
    }

    @Test func jpegClaimingHugeDimensionsIsRefusedFromItsHeader() throws {
        var bytes = [UInt8](try Data(contentsOf: Self.photo))
        // Rewrite the SOF0/SOF2 frame size to 65000×65000.
        let sof = try #require((0..<(bytes.count - 9)).first { bytes[$0] == 0xFF && (bytes[$0 + 1] == 0xC0 || bytes[$0 + 1] == 0xC2) })
        bytes[sof + 5] = 0xFD; bytes[sof + 6] = 0xE8; bytes[sof + 7] = 0xFD; bytes[sof + 8] = 0xE8
        #expect(throws: ImageDecodingError.tooManyPixels(width: 65000, height: 65000, limit: 100_000_000)) {
            try ImageDecoder().decode(bytes)
        }
    }

    @Test func limitsAreConfigurable() throws {
        let bytes = [UInt8](try Data(contentsOf: Self.photo))
        #expect(throws: ImageDecodingError.tooManyBytes(size: bytes.count, limit: 1000)) {
            try ImageDecoder(limits: DecodeLimits(maxEncodedBytes: 1000, maxPixels: 1 << 30)).decode(bytes)
        }
        #expect(throws: ImageDecodingError.tooManyPixels(width: 256, height: 256, limit: 60000)) {
            try ImageDecoder(limits: DecodeLimits(maxEncodedBytes: 1 << 20, maxPixels: 60000)).decode(bytes)
        }
    }

    @Test func videosAreRefusedAsVideos() throws {
        let mp4: [UInt8] = [0, 0, 0, 0x18] + Array("ftypisom".utf8) + [0, 0, 2, 0] + Array("isomiso2mp41".utf8) + [UInt8](repeating: 0, count: 64)
        let webm: [UInt8] = [0x1A, 0x45, 0xDF, 0xA3] + [UInt8](repeating: 0, count: 60)
        let avi: [UInt8] = Array("RIFF".utf8) + [0, 0, 0, 0] + Array("AVI LIST".utf8) + [UInt8](repeating: 0, count: 52)
        for (bytes, name) in [(mp4, "MP4"), (webm, "Matroska/WebM"), (avi, "AVI")] {
            let error = try #require(throws: ImageDecodingError.self) { try ImageDecoder().decode(bytes) }
            #expect(error == .videoNotSupported(container: name))
            #expect(error.description.contains("only still images are supported"))
        }
    }

    @Test func unknownBytesAndEmptyInputAreRefused() {
        #expect(throws: ImageDecodingError.empty) { try ImageDecoder().decode([]) }
        #expect(throws: ImageDecodingError.unsupportedFormat(hint: "PDF document")) {
            try ImageDecoder().decode(Array("%PDF-1.7 hello".utf8))
        }
        #expect(throws: ImageDecodingError.unsupportedFormat(hint: nil)) {
            try ImageDecoder().decode(Array("hello world, not an image".utf8))
        }
    }
}

/// A minimal PNG: signature, IHDR and IEND with correct CRCs, no image data.
