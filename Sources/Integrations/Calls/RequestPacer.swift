import Synchronization

/// Spaces calls to a provider at a fixed rate: each call reserves the next free slot, one every
/// 1/rate seconds, and waits for it. Reservations are handed out in arrival order under a lock, so
/// concurrent callers never share a slot and a burst leaves at the configured rate instead of
/// tripping the provider's own limit (PhotoDNA answers 429 past 5 requests a second).
///
/// A slot is the start of a call, not its end: a slow answer does not hold back the next call.
public final class RequestPacer: Sendable {
    public let ratePerSecond: Int
    private let interval: Duration
    private let nextFree: Mutex<ContinuousClock.Instant?> = Mutex(nil)

    public init(ratePerSecond: Int) {
        precondition(ratePerSecond > 0, "a pacer needs a positive rate")
        self.ratePerSecond = ratePerSecond
        interval = .seconds(1) / ratePerSecond
    }

    /// Waits until this call's slot; throws only when the waiting task is cancelled.
    public func waitForSlot() async throws {
        let slot = reserve(now: .now)
        if slot > .now { try await Task.sleep(until: slot, clock: .continuous) }
    }

    /// The slot for a call arriving at `now`: now itself when the pacer is idle, else the slot
    /// after the last one reserved.
    func reserve(now: ContinuousClock.Instant) -> ContinuousClock.Instant {
        nextFree.withLock { next in
            let slot = max(now, next ?? now)
            next = slot + interval
            return slot
        }
    }

    /// Moves the next free slot to `instant` at the earliest: a provider that answered 429 with
    /// Retry-After holds back every caller of the credential, not only the one that was told.
    public func holdUntil(_ instant: ContinuousClock.Instant) {
        nextFree.withLock { next in next = max(next ?? instant, instant) }
    }
}

/// One pacer per credential, shared by everything in the process that calls with it. A changed
/// rate (the credential was edited) replaces the credential's pacer.
public final class RequestPacers: Sendable {
    private let pacers: Mutex<[String: RequestPacer]> = Mutex([:])

    public init() {}

    public func pacer(for credentialID: String, ratePerSecond: Int) -> RequestPacer {
        pacers.withLock { pacers in
            if let existing = pacers[credentialID], existing.ratePerSecond == ratePerSecond { return existing }
            let made = RequestPacer(ratePerSecond: ratePerSecond)
            pacers[credentialID] = made
            return made
        }
    }
}
