import Foundation
import Integrations

/// A webhook URL as an error may tell it: its origin only. A chat service's webhook URL carries
/// its token in the path, and webhook errors (a step's, a delivery's `last_error`, a credential
/// test's summary) are read by everyone who may read runs, deliveries and credentials' tests.
public enum WebhookURLText {
    /// `scheme://host[:port]`, or "an unreadable URL".
    public static func origin(of url: String) -> String { Integration.origin(of: url) ?? "an unreadable URL" }

    /// `message` with every copy of the URL, or of a part of its start that reaches into the path
    /// (an error may quote only the first characters), told as its origin, and its path and query
    /// hidden wherever they appear alone.
    public static func hiding(_ url: String, in message: String) -> String {
        let origin = origin(of: url)
        var text = message
        let components = URLComponents(string: url)
        let rest = components.map { $0.percentEncodedPath + ($0.percentEncodedQuery.map { "?" + $0 } ?? "") } ?? url
        // Longest first, and only starts that go past the authority into the path.
        var length = url.count
        while length > url.count - rest.count, length > 0 {
            let start = String(url.prefix(length))
            if text.contains(start) { text = text.replacingOccurrences(of: start, with: origin) }
            length -= 1
        }
        if rest.count >= 8 { text = text.replacingOccurrences(of: rest, with: "/…") }
        return text
    }
}
