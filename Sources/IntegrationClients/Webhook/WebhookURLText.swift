import Foundation

/// A webhook URL as an error may tell it: its origin only. A chat service's webhook URL carries
/// its token in the path, and webhook errors (a step's, a delivery's `last_error`) are read by
/// everyone who may read runs and deliveries.
public enum WebhookURLText {
    /// `scheme://host[:port]`, or "an unreadable URL".
    public static func origin(of url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host else {
            return "an unreadable URL"
        }
        return "\(scheme)://\(host)" + (components.port.map { ":\($0)" } ?? "")
    }

    /// `message` with the URL, or the longest part of its start that the message quotes (an error
    /// may quote only the first characters), told as its origin, and its path and query hidden.
    public static func hiding(_ url: String, in message: String) -> String {
        let origin = origin(of: url)
        var text = message
        var length = url.count
        while length >= 16 {
            let start = String(url.prefix(length))
            if text.contains(start) {
                text = text.replacingOccurrences(of: start, with: origin)
                break
            }
            length -= 1
        }
        if let components = URLComponents(string: url) {
            let rest = components.percentEncodedPath + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
            if rest.count >= 8 { text = text.replacingOccurrences(of: rest, with: "/…") }
        }
        return text
    }
}
