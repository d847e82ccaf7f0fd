import Basics
import Testing

struct LatchTests {
    @Test func waitersWakeWhenItOpensAndLaterWaitsDoNotWait() async throws {
        let latch = Latch()
        #expect(!latch.isOpen)
        async let first = latch.wait()
        async let second = latch.wait(upTo: .seconds(600))
        while latch.waiting < 2 { await Task.yield() }
        latch.open()
        #expect(await first)
        #expect(await second)
        #expect(latch.isOpen && latch.waiting == 0)
        #expect(await latch.wait(upTo: .zero))
        latch.fail()  // settles once: an open latch stays open
        #expect(latch.isOpen)
    }

    @Test func aFailedLatchAnswersFalseNowAndLater() async throws {
        let latch = Latch()
        async let waiting = latch.wait(upTo: .seconds(600))
        while latch.waiting < 1 { await Task.yield() }
        latch.fail()
        #expect(await waiting == false)
        #expect(await latch.wait() == false)
        latch.open()
        #expect(!latch.isOpen)
    }

    @Test func aBoundedWaitEndsAtItsLimitAndLeavesNoWaiter() async throws {
        let latch = Latch()
        #expect(await latch.wait(upTo: .zero) == false)
        let start = ContinuousClock.now
        #expect(await latch.wait(upTo: .milliseconds(50)) == false)
        #expect(start.duration(to: .now) >= .milliseconds(50))
        #expect(latch.waiting == 0)
    }

    @Test func aCancelledWaitEndsAndLeavesNoWaiter() async throws {
        let latch = Latch()
        let task = Task { await latch.wait() }
        while latch.waiting < 1 { await Task.yield() }
        task.cancel()
        #expect(await task.value == false)
        #expect(latch.waiting == 0)
    }
}
