import Cases
package import ContentHashing

/// Evidence previews rendered on the hashing pool (decoding is the same work as hashing, and
/// must not run on Swift's cooperative pool), in its background lane.
package struct PoolPreviews: PreviewMaker {
    let pool: ImageHashingPool
    package init(pool: ImageHashingPool) { self.pool = pool }

    package func preview(of bytes: [UInt8]) async throws -> [UInt8] {
        try await pool.run(.background) { hasher in try hasher.preview(of: bytes) }
    }
}
