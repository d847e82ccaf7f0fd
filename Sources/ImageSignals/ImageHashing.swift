/// Decodes and hashes images: what the lookup path needs of the hashing pool (`ContentHashing`),
/// so that the domain depends on no codec and a test can hash without one.
public protocol ImageHashing: Sendable {
    /// The image's signals, with the 8 dihedral PDQ hashes when asked. A hasher with no room
    /// refuses at once (`HashingPoolError.busy`) rather than holding the caller's bytes.
    func signals(of bytes: [UInt8], dihedral: Bool) async throws -> ContentSignals
}

/// Why a hasher did not hash an image.
public enum HashingPoolError: Error, Sendable, Equatable {
    /// Every thread is busy and the request queue is full: try again after the given seconds.
    case busy(retryAfterSeconds: Int)
    case shuttingDown
}
