import CTurboJPEG

/// RGB pixels → baseline JPEG through libjpeg-turbo, for images Vigil makes itself (the demo bank).
public enum JPEGEncoder {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Encodes `rgb` (width × height × 3 bytes, row-major) at `quality` 1-100 with 4:2:0 chroma.
    public static func encode(rgb: [UInt8], width: Int, height: Int, quality: Int = 90) throws -> [UInt8] {
        guard width > 0, height > 0, rgb.count == width * height * 3 else {
            throw Failure(description: "expected \(width)×\(height)×3 bytes, got \(rgb.count)")
        }
        guard let handle = tjInitCompress() else { throw Failure(description: "libjpeg-turbo could not start") }
        defer { tjDestroy(handle) }
        var output: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        let status = rgb.withUnsafeBufferPointer { pixels in
            tjCompress2(handle, pixels.baseAddress, Int32(width), 0, Int32(height), Int32(TJPF_RGB.rawValue), &output, &size,
                        Int32(TJSAMP_420.rawValue), Int32(quality), 0)
        }
        defer { if let output { tjFree(output) } }
        guard status == 0, let output else { throw Failure(description: String(cString: tjGetErrorStr2(handle))) }
        return Array(UnsafeBufferPointer(start: output, count: Int(size)))
    }
}
