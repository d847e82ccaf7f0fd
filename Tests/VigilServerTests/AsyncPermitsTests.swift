import Foundation
import Synchronization
import Testing
@testable import VigilServer

@Suite struct AsyncPermitsTests {
    /// Image hashing is bounded: never more than the permit count at once, and every waiter runs.
    @Test func atMostNAtOnceAndNobodyIsLeftWaiting() async throws {
        let permits = AsyncPermits(2)
        final class Tally: Sendable {
            let state = Mutex((now: 0, most: 0, done: 0))
        }
        let tally = Tally()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<40 {
                group.addTask {
                    _ = try await permits.withPermit {
                        tally.state.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
                        var x = 0
                        for i in 0..<200_000 { x &+= i }  // some work while holding the permit
                        tally.state.withLock { $0.now -= 1; $0.done += 1 }
                        return x
                    }
                }
            }
            try await group.waitForAll()
        }
        let final = tally.state.withLock { $0 }
        #expect(final.most <= 2 && final.most >= 1)
        #expect(final.done == 40 && final.now == 0)
    }

    @Test func aThrowingBodyReleasesItsPermit() async throws {
        struct Boom: Error {}
        let permits = AsyncPermits(1)
        await #expect(throws: Boom.self) { try await permits.withPermit { () throws -> Int in throw Boom() } }
        #expect(try await permits.withPermit { 7 } == 7)
    }
}

@Suite struct LogFormattingTests {
    @Test func timestampsAreUTCWithMilliseconds() {
        #expect(JSONLogHandler.timestamp(Date(timeIntervalSince1970: 0.5)) == "1970-01-01T00:00:00.500Z")
        #expect(JSONLogHandler.timestamp(Date(timeIntervalSince1970: 1_795_631_009.042)) == "2026-11-25T18:23:29.042Z")
    }

    @Test func durationsHaveThreeDecimals() {
        #expect(AccessLogMiddleware.milliseconds(.microseconds(12_345)) == "12.345")
        #expect(AccessLogMiddleware.milliseconds(.microseconds(5)) == "0.005")
        #expect(AccessLogMiddleware.milliseconds(.seconds(2)) == "2000.000")
    }
}
