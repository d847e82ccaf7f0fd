/// Where the images a run was given (an `image` parameter: base64 in the call) are kept while
/// the run needs them. A run's input never holds the bytes, only their size and SHA-256, so
/// whoever may read runs never sees the image itself; the engine reads the bytes back here
/// when a step needs them.
public protocol RunImages: Sendable {
    /// Keeps `bytes`; answers their SHA-256 (64 lowercase hex digits).
    func keep(_ bytes: [UInt8]) async throws -> String
    /// The bytes kept under `sha256`; throws when they are no longer kept.
    func bytes(_ sha256: String) async throws -> [UInt8]
}

/// The run images of a process that starts no run with an image (the command line): a start
/// that gives one is refused, and a run that needs one fails, saying why.
public struct NoRunImages: RunImages {
    public init() {}

    public func keep(_ bytes: [UInt8]) async throws -> String {
        throw WorkflowError.invalidInput("this process keeps no run images: start a run with an image parameter over HTTP")
    }

    public func bytes(_ sha256: String) async throws -> [UInt8] {
        throw ActionFailure("this process cannot read the run's image \(sha256)")
    }
}
