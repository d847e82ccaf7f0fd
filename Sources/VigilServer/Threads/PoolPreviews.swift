import Cases
import ContentHashing

/// Evidence previews rendered on the hashing pool (decoding is the same work as hashing, and
/// must not run on Swift's cooperative pool), in its background lane.
struct PoolPreviews: PreviewMaker {
    let pool: ImageHashingPool

    func preview(of bytes: [UInt8]) async throws -> [UInt8] {
        try await pool.run(.background) { hasher in try hasher.preview(of: bytes) }
    }
}
