import Foundation
import JSONValues
import NIOCore

/// Short, printable words from an answer that was not what the API promised.
enum PhotoDNAResponseText {
    /// The `message` of an API gateway's JSON error (`{"statusCode": 403, "message": "Out of call
    /// volume quota…"}`), else nil.
    static func message(_ body: ByteBuffer) -> String? {
        guard let object = (try? JSONDecoder().decode(JSONValue.self, from: Data(body.readableBytesView)))?.object,
              let message = object["message"]?.string ?? object["Message"]?.string else { return nil }
        return String(message.prefix(200))
    }

    /// What a JSON decoding failure found, without Swift's type names.
    static func decodingProblem(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "it is not JSON" }
        switch error {
        case .dataCorrupted: return "it is not JSON"
        case let .keyNotFound(key, context): return "\(path(context.codingPath + [key])) is missing"
        case let .typeMismatch(_, context), let .valueNotFound(_, context): return "\(path(context.codingPath)) has the wrong type"
        @unknown default: return "it cannot be read"
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        keys.isEmpty ? "the answer" : keys.map(\.stringValue).joined(separator: ".")
    }
}
