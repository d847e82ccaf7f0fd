/// A `Duration` as the numbers messages, logs, JSON bodies and NIO's timers want.
extension Duration {
    /// Seconds, with their fraction.
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    /// Milliseconds, with their fraction (logs and JSON bodies).
    public var milliseconds: Double { seconds * 1000 }
    /// Whole milliseconds (sentences: "answered in 42 ms").
    public var wholeMilliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
    /// Whole nanoseconds (NIO's `TimeAmount`, deadlines).
    public var nanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }
}
