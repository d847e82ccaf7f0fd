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

    /// How JSON encoders write dates: `iso8601`.
    public static var encodingStrategy: JSONEncoder.DateEncodingStrategy {
        .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(iso8601(date))
        }
    }

    /// How JSON decoders read dates: `parse`, or an error that shows the form expected.
    public static var decodingStrategy: JSONDecoder.DateDecodingStrategy {
        .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = parse(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "\"\(text.prefix(40))\" is not a time in ISO 8601 (2026-11-30T06:18:00Z)")
            }
            return date
        }
    }

    private static let seconds = Date.ISO8601FormatStyle(timeZone: .gmt)
    private static let milliseconds = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)
}
