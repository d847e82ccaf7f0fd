public import Foundation
import Synchronization

/// Slows guessing from one address across every name: at most `attempts` failed sign-ins per
/// `window` from one remote address in this process. Per-name lockout (in storage, so every
/// replica sees it) is `UserService`'s; this one stops one address trying many names.
public final class SignInLimiter: Sendable {
    public let attempts: Int
    public let window: TimeInterval
    private let failures = Mutex<[String: [Date]]>([:])

    public init(attempts: Int = 20, window: TimeInterval = 300) {
        self.attempts = attempts
        self.window = window
    }

    /// Whether `remote` may try again at `time`; if not, the seconds until it may.
    public func wait(for remote: String, at time: Date) -> TimeInterval? {
        failures.withLock { table in
            let recent = (table[remote] ?? []).filter { time.timeIntervalSince($0) < window }
            table[remote] = recent.isEmpty ? nil : recent
            guard recent.count >= attempts, let oldest = recent.first else { return nil }
            return max(1, window - time.timeIntervalSince(oldest))
        }
    }

    public func recordFailure(from remote: String, at time: Date) {
        failures.withLock { table in
            var recent = (table[remote] ?? []).filter { time.timeIntervalSince($0) < window }
            recent.append(time)
            table[remote] = recent
            // A flood from many addresses must not grow this without bound.
            if table.count > 10_000 { table = table.filter { !$0.value.isEmpty && time.timeIntervalSince($0.value.last ?? time) < window } }
        }
    }

    public func recordSuccess(from remote: String) { failures.withLock { _ = $0.removeValue(forKey: remote) } }
}
