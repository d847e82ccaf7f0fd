import ContentHashing
import Foundation
import Lookup
import Testing

@Suite struct ImageHashingPoolTests {
    /// Work runs on the pool's own threads, not on Swift's cooperative pool.
    @Test func workRunsOnThePoolsThreads() async throws {
        let pool = ImageHashingPool(threads: 2, queueLimit: 8)
        defer { pool.shutdown() }
        let names = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<8 { group.addTask { try await pool.run { _ in ImageHashingPool.currentThreadName } } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(!names.isEmpty && names.allSatisfy { $0.hasPrefix("vigil-hash-") })
    }

    /// Past the queue, callers are turned away at once with a retry hint, not queued without bound.
    @Test func aFullQueueAnswersBusy() async throws {
        let pool = ImageHashingPool(threads: 1, queueLimit: 1)
        defer { pool.shutdown() }
        let started = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let blocker = Task { try await pool.run { _ in started.signal(); release.wait() } }
        // Wait (off the cooperative pool) until the only thread holds the blocker.
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { started.wait(); continuation.resume() }
        }
        let queued = Task { try await pool.run { _ in 42 } }
        while pool.queued < 1 { await Task.yield() }
        await #expect(throws: LookupError.busy(retryAfterSeconds: 1)) { try await pool.run { _ in 0 } }
        release.signal()
        try await blocker.value
        #expect(try await queued.value == 42)
    }
}
