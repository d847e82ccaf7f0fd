/// The run images a step may keep and read back (see `RunImages`). A step reads only an image
/// its run was given (an `image` parameter) or one an earlier match lookup of the run kept (its
/// `image_sha256`): naming another SHA-256 in a definition cannot attach another case's evidence.
public struct StepImages: Sendable {
    let images: any RunImages
    let readable: Set<String>

    /// A step outside a run (a draft's test run, the command line): it keeps and reads nothing.
    public static let none = StepImages(images: NoRunImages(), readable: [])

    init(images: any RunImages, readable: Set<String>) {
        self.images = images
        self.readable = readable
    }

    /// Keeps `bytes` with the run; answers their SHA-256.
    public func keep(_ bytes: [UInt8]) async throws -> String { try await images.keep(bytes) }

    /// The bytes of an image of this run.
    public func bytes(_ sha256: String) async throws -> [UInt8] {
        guard readable.contains(sha256) else {
            throw ActionFailure("image_sha256 \(sha256) is not an image this run was given or matched")
        }
        return try await images.bytes(sha256)
    }
}
