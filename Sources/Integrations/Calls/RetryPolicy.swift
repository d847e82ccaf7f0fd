import Basics

/// How often and how patiently a call to a provider is repeated after a failure that may pass
/// (a 5xx, a timeout, PhotoDNA's 3004): exponential backoff with full jitter, so clients that
/// failed together do not come back together.
public struct RetryPolicy: Sendable, Equatable {
    /// Calls in all, the first included.
    public var attempts: Int
    /// The backoff before the second call; it doubles for each call after that.
    public var baseDelay: Duration
    /// No backoff, and no wait a provider asks for with Retry-After, is longer than this: a
    /// longer Retry-After ends the call with the provider's answer instead.
    public var maxDelay: Duration

    public init(attempts: Int = 3, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(30)) {
        self.attempts = max(1, attempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// The wait before call number `attempt + 1` (`attempt` counts from 1): a random duration
    /// between half and all of `baseDelay × 2^(attempt-1)`, capped at `maxDelay`.
    public func backoff(after attempt: Int, random: Double = Double.random(in: 0...1)) -> Duration {
        Backoff(first: baseDelay, cap: maxDelay).delay(after: attempt, random: random)
    }

    /// Never retried: for calls whose effect must not happen twice.
    public static let once = RetryPolicy(attempts: 1)
}
