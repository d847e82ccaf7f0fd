import Jobs
import Synchronization
import Testing

/// The doorbell many workers wait on: a ring wakes them all; one waiter's timeout wakes only it.
@Suite struct DoorbellTests {
    final class Woken: Sendable {
        let names = Mutex<[String]>([])
        func add(_ name: String) { names.withLock { $0.append(name) } }
        var all: [String] { names.withLock { $0 } }
    }

    @Test func aTimeoutWakesOnlyItsWaiter() async {
        let bell = Doorbell()
        let woken = Woken()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await bell.wait(timeout: .seconds(60))
                woken.add("patient")
            }
            group.addTask {
                await bell.wait(timeout: .milliseconds(20))
                woken.add("hasty")
                // The hasty waiter's timeout has passed; the patient one still waits until a ring.
                #expect(woken.all == ["hasty"])
                bell.ring()
            }
        }
        #expect(woken.all == ["hasty", "patient"])
    }

    @Test func aRingWithNobodyWaitingIsKeptForTheNextWait() async {
        let bell = Doorbell()
        bell.ring()
        let start = ContinuousClock.now
        await bell.wait(timeout: .seconds(60))
        #expect(start.duration(to: .now) < .seconds(30))
    }
}
