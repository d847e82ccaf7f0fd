import Synchronization

/// Wakes idle workers when a job is enqueued in this process (other processes' jobs are found by
/// polling, or by a database notification that rings it). Each waiter's timeout ends its own
/// wait only: with many workers on one doorbell, a timeout that rang for everyone would have them
/// all poll the queue at the rate of the sum of their timeouts.
public final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var nextID = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        /// Waiters whose timeout passed before they were registered.
        var expired: Set<Int> = []
    }
    private let state = Mutex(State())

    public init() {}

    /// Wakes every waiter; with none waiting, the next wait returns at once.
    public func ring() {
        let waiters = state.withLock { state in
            defer { state.waiters = [:] }
            if state.waiters.isEmpty { state.rung = true }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns at the next ring (or at once if it rang since the last wait), or after `timeout`.
    public func wait(timeout: Duration) async {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            guard !Task.isCancelled else { return }
            self?.expire(id)
        }
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state in
                if state.rung {
                    state.rung = false
                    return true
                }
                if state.expired.remove(id) != nil { return true }
                state.waiters[id] = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
        timer.cancel()
        _ = state.withLock { $0.expired.remove(id) }
    }

    private func expire(_ id: Int) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiters.removeValue(forKey: id) { return waiter }
            state.expired.insert(id)
            return nil
        }
        waiter?.resume()
    }
}
