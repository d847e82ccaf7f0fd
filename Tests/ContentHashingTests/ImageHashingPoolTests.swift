import ImageSignals
import ContentHashing
import Foundation
import Testing
import VigilTestSupport

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
        let held = await HeldPoolThread(pool)
        let queued = Task { try await pool.run { _ in 42 } }
        while pool.queued < 1 { await Task.yield() }
        await #expect(throws: HashingPoolError.busy(retryAfterSeconds: 1)) { try await pool.run { _ in 0 } }
        try await held.release()
        #expect(try await queued.value == 42)
    }

    /// Background work (an import) is never turned away, and a free thread serves every waiting
    /// request before it.
    @Test func backgroundWorkWaitsBehindRequests() async throws {
        let pool = ImageHashingPool(threads: 1, queueLimit: 1)
        defer { pool.shutdown() }
        let held = await HeldPoolThread(pool)
        let order = OrderLog()
        // The background job is queued first, the request second: the request runs first.
        let background = Task { try await pool.run(.background) { _ in order.append("background") } }
        while pool.queued < 1 { await Task.yield() }
        let request = Task { try await pool.run { _ in order.append("request") } }
        while pool.queued < 2 { await Task.yield() }
        // The request queue is full now, yet background work is still accepted.
        let more = Task { try await pool.run(.background) { _ in order.append("background 2") } }
        while pool.queued < 3 { await Task.yield() }
        try await held.release()
        try await background.value
        try await request.value
        try await more.value
        #expect(order.entries == ["request", "background", "background 2"])
    }
}

/// What ran, in order, appended from the pool's threads.
final class OrderLog: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func append(_ entry: String) { lock.withLock { list.append(entry) } }
    var entries: [String] { lock.withLock { list } }
}
