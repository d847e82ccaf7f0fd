/// How 8-bit pixels are laid out in memory.
public enum PixelLayout: Int, Sendable, Hashable, Codable {
    /// One byte per pixel; PDQ takes luma = value, as the reference's grey path does.
    case grey = 1
    /// Three bytes per pixel, R G B.
    case rgb = 3

    public var bytesPerPixel: Int { rawValue }
}

/// A borrowed view of 8-bit pixels, row-major.
public struct PixelView {
    public let bytes: UnsafeBufferPointer<UInt8>
    public let width: Int
    public let height: Int
    public let layout: PixelLayout
    public let rowStride: Int

    /// - Precondition: the buffer holds `height` rows of `rowStride` bytes (the last row may be short
    ///   of padding), and `rowStride >= width * layout.bytesPerPixel`.
    public init(bytes: UnsafeBufferPointer<UInt8>, width: Int, height: Int, layout: PixelLayout, rowStride: Int? = nil) {
        let stride = rowStride ?? width * layout.bytesPerPixel
        precondition(width >= 0 && height >= 0, "image dimensions are not negative")
        precondition(stride >= width * layout.bytesPerPixel, "row stride covers a row")
        precondition(height == 0 || bytes.count >= (height - 1) * stride + width * layout.bytesPerPixel,
                     "pixel buffer holds every row")
        self.bytes = bytes
        self.width = width
        self.height = height
        self.layout = layout
        self.rowStride = stride
    }
}
