import Hummingbird
import Foundation
import NIOCore

/// Reading JSON request bodies with errors that say what is wrong.
enum JSONInput {
    static func decode<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer) throws -> T {
        guard buffer.readableBytes > 0 else { throw APIError.badRequest("the request body is empty; a JSON object is expected", code: "malformed_json") }
        do {
            return try JSONDecoder().decode(type, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw APIError(.badRequest, "malformed_json", describe(error))
        }
    }

    /// Parses a JSON object whose keys are read loosely (HMA and PhotoDNA bodies).
    static func object(from buffer: ByteBuffer) throws -> [String: JSONValue] {
        guard buffer.readableBytes > 0 else { throw APIError.badRequest("the request body is empty; a JSON object is expected", code: "malformed_json") }
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(buffer.readableBytesView))
        } catch {
            throw APIError(.badRequest, "malformed_json", "the request body is not valid JSON")
        }
        guard let object = value.object else { throw APIError(.badRequest, "malformed_json", "the request body must be a JSON object") }
        return object
    }

    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "the request body is not valid JSON" }
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "the body" : "\"" + keys.joined(separator: ".") + "\""
        }
        switch error {
        case let .typeMismatch(type, context):
            if context.codingPath.isEmpty { return "the body must be \(typeName(type)), not another JSON value" }
            return "\(path(context)) has the wrong type: expected \(typeName(type))"
        case let .valueNotFound(type, context): return "\(path(context)) must not be null: expected \(typeName(type))"
        case let .keyNotFound(key, _): return "\"\(key.stringValue)\" is required"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "the request body is not valid JSON" }
            if context.debugDescription.contains("fit") { return "\(path(context)) is out of range" }
            return "\(path(context)) is not valid: \(context.debugDescription)"
        @unknown default: return "the request body is not valid JSON"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Double.Type: "a number"
        case is Bool.Type: "true or false"
        // A dictionary is a Collection too: test for it first, or `[1, 2]` for an object reads "expected an array".
        case is [String: Any].Type, is [String: JSONValue].Type: "a JSON object"
        default: type is any Collection.Type ? "an array" : "a JSON object"
        }
    }
}
