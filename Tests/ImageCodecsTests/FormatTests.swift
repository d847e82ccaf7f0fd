import ImageSignals
import ContentHashing
import Foundation
import ImageCodecs
import PDQ
import Testing
import VigilTestSupport

/// Every supported format decodes to the pixels it holds. Images are made at test time from a
/// benign reference photo by Debian's ImageMagick.
@Suite struct FormatTests {
    static let photo = ReferenceData.url("reg-test-input/labelme-subset/q1050.jpg")
    static var photoPixels: [UInt8] {
        get throws { try ImageDecoder().decode([UInt8](Data(contentsOf: photo))).pixels }
    }

    /// Lossless formats must give back the JPEG's decoded pixels exactly.
    @Test(arguments: [
        ("png:", ImageFormat.png, [String]()), ("bmp3:", .bmp, []), ("bmp:", .bmp, []),
        ("tiff:", .tiff, ["-compress", "lzw"]), ("webp:", .webp, ["-define", "webp:lossless=true"]),
    ])
    func losslessFormatsRoundTrip(spec: String, format: ImageFormat, options: [String]) throws {
        let bytes = try ImageMagick.encode(Self.photo, to: spec, options: options)
        let image = try ImageDecoder().decode(bytes)
        #expect(image.format == format)
        #expect(image.width == 256 && image.height == 256 && image.channels == .rgb)
        expectSamePixels(image.pixels, try Self.photoPixels, spec)
    }

    /// GIF (palette) and the lossy formats agree with ImageMagick's own decoding of the same file,
    /// and stay perceptually the same photo.
    @Test(arguments: [("gif:", ImageFormat.gif, 0), ("heic:", .heic, 16), ("avif:", .avif, 16), ("webp:", .webp, 0)])
    func otherFormatsDecodeLikeImageMagick(spec: String, format: ImageFormat, pixelTolerance: Int) throws {
        let bytes = try ImageMagick.encode(Self.photo, to: spec, options: ["-quality", "90"])
        let image = try ImageDecoder().decode(bytes)
        #expect(image.format == format)
        #expect(image.width == 256 && image.height == 256)
        let reference = try ImageMagick.rgb(of: bytes, format: format.rawValue)
        #expect(reference.count == image.pixels.count)
        let worst = zip(reference, image.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
        #expect(worst <= pixelTolerance, "largest channel difference \(worst)")
        let original = try ContentHasher().signals(of: [UInt8](Data(contentsOf: Self.photo)))
        let converted = try ContentHasher().signals(of: bytes)
        #expect(converted.pdq.distance(to: original.pdq) <= 16)
    }

    @Test func greyImagesStayGreyAndTakeTheGreyPath() throws {
        for spec in ["png:", "jpeg:", "tiff:"] {
            let bytes = try ImageMagick.encode(Self.photo, to: spec, options: ["-colorspace", "Gray", "-type", "Grayscale"])
            let image = try ImageDecoder().decode(bytes)
            #expect(image.channels == .grey, "\(spec)")
            let luma = image.pixels.map(Float.init)
            let expected = luma.withUnsafeBufferPointer { PDQHasher().hash(luma: $0, width: 256, height: 256) }
            #expect(try ContentHasher().signals(of: bytes).pdq == expected.hash, "\(spec)")
        }
    }

    @Test func alphaIsDroppedNotComposited() throws {
        // Half-transparent everywhere: compositing on any background would change the colours.
        for spec in ["png32:", "webp:", "tiff:"] {
            let bytes = try ImageMagick.encode(Self.photo, to: spec, options: [
                "-alpha", "set", "-channel", "A", "-evaluate", "set", "50%", "+channel",
                "-define", "webp:lossless=true", "-define", "webp:exact=true",
            ])
            let image = try ImageDecoder().decode(bytes)
            #expect(image.channels == .rgb)
            expectSamePixels(image.pixels, try Self.photoPixels, "\(spec)")
        }
    }

    @Test func sixteenBitAndPalettePNGsDecode() throws {
        let deep = try ImageDecoder().decode(ImageMagick.encode(Self.photo, to: "png48:"))
        expectSamePixels(deep.pixels, try Self.photoPixels, "png48")
        let palette = try ImageMagick.encode(Self.photo, to: "png8:")
        let image = try ImageDecoder().decode(palette)
        #expect(image.channels == .rgb)
        expectSamePixels(image.pixels, try ImageMagick.rgb(of: palette, format: "png"), "png8")
    }

    @Test func animatedGIFGivesItsFirstFrame() throws {
        let dir = try TemporaryDirectory()
        let first = try dir.file("a.png", ImageMagick.encode(Self.photo, to: "png:"))
        let second = try dir.file("b.png", ImageMagick.encode(Self.photo, to: "png:", options: ["-negate"]))
        let gif = [UInt8](try ImageMagick.convert(["-delay", "10", first.path, second.path, "gif:-"]))
        let firstFrame = try ImageDecoder().decode(ImageMagick.encode(first, to: "gif:"))
        expectSamePixels(try ImageDecoder().decode(gif).pixels, firstFrame.pixels, "first frame")
    }
}

/// Compares pixel buffers without handing Swift Testing two large arrays to diff.
func expectSamePixels(_ actual: [UInt8], _ expected: [UInt8], _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let same = actual == expected
    let worst = zip(actual, expected).map { abs(Int($0) - Int($1)) }.max() ?? 0
    #expect(same, "\(label): \(actual.count) vs \(expected.count) bytes, largest difference \(worst)", sourceLocation: sourceLocation)
}
