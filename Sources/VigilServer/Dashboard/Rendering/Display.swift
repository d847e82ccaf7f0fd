import Basics
import Banks
import Foundation
import JSONValues

/// How values read on a page: times in UTC to the minute, JSON details as short text.
enum Display {
    static func time(_ date: Date?) -> String {
        guard let date else { return "" }
        let text = Timestamp.iso8601(date)  // 2026-12-02T21:58:07.123Z
        return text.prefix(16).replacingOccurrences(of: "T", with: " ") + " UTC"
    }

    /// A JSON detail as one line a person can read: `key: value` pairs, nested values as JSON.
    static func detail(_ value: JSONValue) -> String {
        switch value {
        case let .object(fields):
            return fields.keys.sorted().compactMap { key in
                guard let item = fields[key], item != .null else { return nil }
                if case let .string(text) = item { return "\(key): \(text)" }
                return "\(key): \(item.text)"
            }.joined(separator: " · ")
        case let .string(text): return text
        case .null: return ""
        default: return value.text
        }
    }

    /// A program's word (`files_uploaded`, `give_up`) as a person reads it.
    static func words(_ name: String) -> String { name.replacingOccurrences(of: "_", with: " ") }

    static func duration(_ seconds: Double) -> String {
        if seconds < 90 { return "\(Int(seconds.rounded())) s" }
        if seconds < 5400 { return "\(Int((seconds / 60).rounded())) min" }
        if seconds < 172_800 { return String(format: "%.1f h", seconds / 3600) }
        return String(format: "%.1f d", seconds / 86400)
    }
}
