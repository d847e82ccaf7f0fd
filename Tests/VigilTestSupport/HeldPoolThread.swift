public import ContentHashing
import Foundation

/// Holds one thread of a hashing pool until released, so that a test fills the pool by
/// construction instead of by timing.
public final class HeldPoolThread: Sendable {
    private let releaser = DispatchSemaphore(value: 0)
    private let task: Task<Void, any Error>

    /// Returns once a pool thread is inside the held job.
    public init(_ pool: ImageHashingPool) async {
        let started = DispatchSemaphore(value: 0), releaser = self.releaser
        task = Task { try await pool.run { _ in started.signal(); releaser.wait() } }
        // Wait off the cooperative pool, which the held thread does not belong to.
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { started.wait(); continuation.resume() }
        }
    }

    /// Lets the held job end and waits for it.
    public func release() async throws {
        releaser.signal()
        try await task.value
    }
}
