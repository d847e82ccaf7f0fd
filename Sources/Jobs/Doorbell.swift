import Synchronization

/// Wakes idle workers when a job is enqueued in this process (other processes' jobs are found by
/// polling, or by a database notification that rings it).
public final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())

    public init() {}

    public func ring() {
        let waiters = state.withLock { state in
            defer { state.waiters = [] }
            if state.waiters.isEmpty { state.rung = true }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns at the next ring (or at once if it rang since the last wait), or after `timeout`.
    public func wait(timeout: Duration) async {
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            self?.ring()
        }
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state in
                if state.rung {
                    state.rung = false
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
        timer.cancel()
    }
}
