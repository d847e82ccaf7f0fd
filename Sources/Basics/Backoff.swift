/// The one backoff: exponential, capped, with jitter. The wait after the `n`th failure is a
/// random time between half and all of `first × 2^(n-1)` (capped at `cap`), so that what failed
/// together does not come back together. `random: 1` gives the ceiling itself, for a schedule a
/// user declared and expects to the second.
public struct Backoff: Sendable, Equatable {
    public var first: Duration
    public var cap: Duration

    public init(first: Duration, cap: Duration) {
        self.first = first
        self.cap = cap
    }

    /// The wait after failure number `failures` (counting from 1).
    public func delay(after failures: Int, random: Double = Double.random(in: 0...1)) -> Duration {
        let exponent = min(max(failures - 1, 0), 30)
        let ceiling = min(first * (1 << exponent), cap)
        return ceiling * (0.5 + 0.5 * min(max(random, 0), 1))
    }

    /// The same, in seconds (for `Date.addingTimeInterval`).
    public func seconds(after failures: Int, random: Double = Double.random(in: 0...1)) -> Double {
        delay(after: failures, random: random).seconds
    }
}
