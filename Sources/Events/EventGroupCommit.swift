public import Foundation
import Synchronization

/// Commits events that belong to no stored change (a lookup's match) and returns only once they
/// are durable, so a producer that must not lose its event (a lookup answering its client) can
/// wait for it. Events arriving while a commit is in flight are written together by the next
/// one: under load, lookups that match within the same few milliseconds share one transaction,
/// and an idle server commits an event at once, with no timer in the way.
public final class EventGroupCommit: Sendable {
    let store: any EventStore
    let clock: @Sendable () -> Date
    /// Told after each commit what it wrote (what follows those events is woken for them).
    let committed: @Sendable (_ events: [NewEvent]) -> Void
    /// Events per transaction at most.
    let batchLimit: Int

    private struct Waiter {
        let events: [NewEvent]
        let continuation: CheckedContinuation<Void, any Error>
    }
    private struct State {
        var pending: [Waiter] = []
        var committing = false
    }
    private let state = Mutex(State())

    public init(store: any EventStore, batchLimit: Int = 1000, clock: @escaping @Sendable () -> Date = { Date() },
                committed: @escaping @Sendable (_ events: [NewEvent]) -> Void = { _ in }) {
        self.store = store
        self.batchLimit = batchLimit
        self.clock = clock
        self.committed = committed
    }

    /// Appends `events` to the event table; returns once their transaction committed, throws
    /// when it failed (the events were not written).
    public func commit(_ events: [NewEvent]) async throws {
        guard !events.isEmpty else { return }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let lead = state.withLock { state in
                state.pending.append(Waiter(events: events, continuation: continuation))
                guard !state.committing else { return false }
                state.committing = true
                return true
            }
            // The first waiter to find no commit in flight starts the committer; it runs until
            // nothing is pending. Its own task: the waiter's cancellation never cuts a commit.
            // Detached: it inherits no task-locals, so events that carry no trace are not written
            // in the trace of whichever request happened to start the committer.
            if lead { Task.detached { await self.drain() } }
        }
    }

    private func drain() async {
        while true {
            let batch: [Waiter]? = state.withLock { state in
                guard !state.pending.isEmpty else {
                    state.committing = false
                    return nil
                }
                var count = 0
                var taken = 0
                for waiter in state.pending {
                    if taken > 0, count + waiter.events.count > batchLimit { break }
                    count += waiter.events.count
                    taken += 1
                }
                defer { state.pending.removeFirst(taken) }
                return Array(state.pending.prefix(taken))
            }
            guard let batch else { return }
            do {
                let events = batch.flatMap(\.events)
                try await store.append(events, at: clock())
                for waiter in batch { waiter.continuation.resume() }
                committed(events)
            } catch {
                for waiter in batch { waiter.continuation.resume(throwing: error) }
            }
        }
    }
}
