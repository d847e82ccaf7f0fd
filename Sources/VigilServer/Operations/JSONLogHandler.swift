import Hummingbird
import HTTPTypes
public import Logging
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// swift-log handler writing one JSON object per line to standard error. The secret of a key
/// never reaches a log: only key ids are logged.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    let label: String
    private static let output = JSONLogOutput()

    public init(label: String, level: Logger.Level = .info) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        Self.output.write(line(for: event))
    }

    /// The JSON line for `event`, newline included.
    public func line(for event: LogEvent) -> String {
        // Appended into one string reserved once: the access log writes a line per request.
        var line = #"{"ts":"#
        line.reserveCapacity(320)
        line += JSONText.quote(Self.timestamp())
        line += #","level":"#
        line += JSONText.quote(event.level.rawValue)
        line += #","logger":"#
        line += JSONText.quote(label)
        line += #","msg":"#
        line += JSONText.quote(event.message.description)
        let merged = metadata.isEmpty ? event.metadata ?? [:] : metadata.merging(event.metadata ?? [:]) { $1 }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) where key != "hb.request.id" {
            line += ","
            line += JSONText.quote(key)
            line += ":"
            line += JSONText.quote(value.description)
        }
        line += "}\n"
        return line
    }

    /// UTC ISO 8601 with milliseconds, formatted by hand: Foundation's formatter cost more than a
    /// hash lookup, and there is a line per request.
    static func timestamp(_ date: Date = Date()) -> String {
        let since = date.timeIntervalSince1970
        var seconds = time_t(since.rounded(.down))
        let millis = Int((since - since.rounded(.down)) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0" + String(value) : String(value) }
        let ms = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : String(millis)
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(ms)Z"
    }
}

/// One write(2) per line, so concurrent lines never interleave.
final class JSONLogOutput: Sendable {
    func write(_ line: String) {
        FileHandle.standardError.write(Data(line.utf8))
    }
}
