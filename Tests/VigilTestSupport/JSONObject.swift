import Foundation

/// JSON text from a command or a response, parsed with an error that says what was there instead
/// of a crash (one bad output fails one test).
public enum JSONObject {
    public struct NotAnObject: Error, CustomStringConvertible {
        public let text: String
        public var description: String { "not a JSON object: \(text.prefix(300))" }
    }

    public static func parse(_ text: String) throws -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { throw NotAnObject(text: text) }
        return object
    }
}
