/// The still-image formats Vigil decodes. Always detected from the bytes (`ImageCodecs`), never
/// from a file name or a declared content type.
public enum ImageFormat: String, Sendable, Hashable, Codable, CaseIterable {
    case jpeg, png, gif, webp, tiff, bmp, heic, avif
}
