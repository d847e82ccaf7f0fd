import Synchronization

/// A one-way switch that tasks wait on: it settles once, open or failed, and stays so. A lookup
/// that arrives while the index loads waits on it (a replica that restarts answers late, not 503),
/// and the server's background work starts when it opens, without polling.
public final class Latch: Sendable {
    private enum Settled { case open, failed }
    private struct State {
        var settled: Settled?
        var nextWaiter = 0
        var waiters: [Int: CheckedContinuation<Bool, Never>] = [:]
    }

    /// Read on every lookup: an atomic load, not a lock.
    private let opened = Atomic<Bool>(false)
    private let state = Mutex(State())

    public init() {}

    public var isOpen: Bool { opened.load(ordering: .acquiring) }

    /// Tasks waiting now (a gauge, and how a test knows a request is waiting).
    public var waiting: Int { state.withLock { $0.waiters.count } }

    /// Opens the latch and wakes every waiter with true.
    public func open() { settle(.open) }

    /// Settles the latch failed (a load that will not finish): every waiter, now and later, gets false.
    public func fail() { settle(.failed) }

    private func settle(_ outcome: Settled) {
        let waiting = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
            guard state.settled == nil else { return [] }
            state.settled = outcome
            if outcome == .open { opened.store(true, ordering: .releasing) }
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiting { waiter.resume(returning: outcome == .open) }
    }

    /// Waits until the latch settles: true if it opened, false if it failed or the task was cancelled.
    public func wait() async -> Bool {
        if isOpen { return true }
        let id = state.withLock { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (waiter: CheckedContinuation<Bool, Never>) in
                // Settled, or cancelled before the handler could find this waiter: answer at once.
                let now = state.withLock { state -> Bool? in
                    if let settled = state.settled { return settled == .open }
                    if Task.isCancelled { return false }
                    state.waiters[id] = waiter
                    return nil
                }
                if let now { waiter.resume(returning: now) }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(returning: false)
        }
    }

    /// Waits at most `limit` for the latch to open: true if it did, false if it failed, the limit
    /// passed or the task was cancelled.
    public func wait(upTo limit: Duration) async -> Bool {
        if isOpen { return true }
        guard limit > .zero else { return false }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.wait() }
            group.addTask {
                do { try await Task.sleep(for: limit) } catch {}
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}
