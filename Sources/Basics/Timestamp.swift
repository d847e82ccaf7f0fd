public import Foundation

/// Times as Vigil writes them everywhere (API, exports, the CLI, job payloads, events, webhook
/// bodies): ISO 8601 in UTC. To the second (`2026-11-30T06:18:00Z`) where a person or a client
/// reads a time; to the millisecond (`2026-11-30T06:18:00.123Z`) where events are told apart and
/// ordered by it (event and webhook bodies).
public enum Timestamp {
    public static func iso8601(_ date: Date) -> String { date.formatted(seconds) }

    public static func iso8601Milliseconds(_ date: Date) -> String { date.formatted(milliseconds) }

    /// Either precision.
    public static func parse(_ text: String) -> Date? {
        (try? Date(text, strategy: seconds)) ?? (try? Date(text, strategy: milliseconds))
    }

    private static let seconds = Date.ISO8601FormatStyle(timeZone: .gmt)
    private static let milliseconds = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)
}
