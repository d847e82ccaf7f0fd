public import Foundation

/// Times as Vigil writes them everywhere (API, exports, the CLI): ISO 8601 in UTC, `2026-11-30T06:18:00Z`.
public enum Timestamp {
    public static func iso8601(_ date: Date) -> String { date.formatted(.iso8601) }

    public static func parse(_ text: String) -> Date? { try? Date(text, strategy: .iso8601) }
}
