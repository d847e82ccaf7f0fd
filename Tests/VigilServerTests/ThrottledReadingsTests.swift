import Foundation
import Synchronization
import Testing
import VigilServer

/// `/metrics` reads the queue and the evidence from the database at most once a second however
/// often it is scraped (a key with the metrics permission could otherwise turn scrapes into
/// database load); the change-log lag is read at every scrape; a failed read is not kept.
@Suite struct ThrottledReadingsTests {
    final class CountingReadings: OperationalReadings {
        let queueReads = Mutex(0)
        let evidenceReads = Mutex(0)
        let lagReads = Mutex(0)
        let failing = Mutex(false)

        struct Unreadable: Error {}

        func jobQueue(now: Date) async throws -> [JobQueueReading] {
            queueReads.withLock { $0 += 1 }
            if failing.withLock({ $0 }) { throw Unreadable() }
            return [JobQueueReading(kind: "workflow.run", queued: 3, running: 1, oldestDueSeconds: 2)]
        }

        func evidence() async throws -> (files: Int64, bytes: Int64) {
            evidenceReads.withLock { $0 += 1 }
            return (4, 4096)
        }

        func oldestChange(after applied: Int64) async throws -> Date? {
            lagReads.withLock { $0 += 1 }
            return nil
        }
    }

    @Test func scrapesWithinTheWindowShareOneRead() async throws {
        let base = CountingReadings()
        let readings = ThrottledReadings(base, maxAge: .seconds(60))
        let answers = try await withThrowingTaskGroup(of: Int64.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    let queue = try await readings.jobQueue(now: Date())
                    let evidence = try await readings.evidence()
                    _ = try await readings.oldestChange(after: 7)
                    return (queue.first?.queued ?? 0) + evidence.files
                }
            }
            return try await group.reduce(into: [Int64]()) { $0.append($1) }
        }
        #expect(answers == Array(repeating: 7, count: 20), "every scrape gets the readings")
        #expect(base.queueReads.withLock { $0 } == 1)
        #expect(base.evidenceReads.withLock { $0 } == 1)
        #expect(base.lagReads.withLock { $0 } == 20, "the lag is read at every scrape")
    }

    @Test func aFailedReadIsNotKept() async throws {
        let base = CountingReadings()
        let readings = ThrottledReadings(base, maxAge: .seconds(60))
        base.failing.withLock { $0 = true }
        await #expect(throws: CountingReadings.Unreadable.self) { try await readings.jobQueue(now: Date()) }
        base.failing.withLock { $0 = false }
        #expect(try await readings.jobQueue(now: Date()).first?.queued == 3)
        #expect(try await readings.jobQueue(now: Date()).first?.queued == 3)
        #expect(base.queueReads.withLock { $0 } == 2, "read again after the failure, then kept")
    }

    /// A read slower than the window (a loaded or hung database) is shared by the scrapes that
    /// come meanwhile: one read, not one per scrape.
    @Test(.timeLimit(.minutes(1))) func aReadStillRunningIsSharedWhateverTheWindow() async throws {
        final class SlowEvidence: OperationalReadings {
            let reads = Mutex(0)
            let gate = Mutex<(released: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))

            func release() {
                let waiting = gate.withLock { state in
                    state.released = true
                    defer { state.waiting = [] }
                    return state.waiting
                }
                for continuation in waiting { continuation.resume() }
            }

            func jobQueue(now: Date) async throws -> [JobQueueReading] { [] }
            func oldestChange(after applied: Int64) async throws -> Date? { nil }
            func evidence() async throws -> (files: Int64, bytes: Int64) {
                reads.withLock { $0 += 1 }
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let released = gate.withLock { state in
                        if !state.released { state.waiting.append(continuation) }
                        return state.released
                    }
                    if released { continuation.resume() }
                }
                return (1, 10)
            }
        }
        let base = SlowEvidence()
        let readings = ThrottledReadings(base, maxAge: .zero)
        func waitFor(_ count: Int) async throws {
            var turns = 0
            while await readings.waiters("evidence") < count {
                turns += 1
                try #require(turns < 1_000_000, "\(count) scrapes never waited on the reading")
                await Task.yield()
            }
        }
        async let first = readings.evidence()
        try await waitFor(1)
        async let second = readings.evidence()
        try await waitFor(2)
        base.release()
        let answers = try await [first.files, second.files]
        #expect(answers == [1, 1])
        #expect(base.reads.withLock { $0 } == 1)
    }

    @Test func noWindowReadsEveryTime() async throws {
        let base = CountingReadings()
        let readings = ThrottledReadings(base, maxAge: .zero)
        for _ in 0..<3 { _ = try await readings.evidence() }
        #expect(base.evidenceReads.withLock { $0 } == 3)
    }
}
