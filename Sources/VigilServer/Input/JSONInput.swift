import JSONValues
import Hummingbird
import Foundation
import NIOCore

/// Reading JSON request bodies with errors that say what is wrong.
enum JSONInput {
    static func decode<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer) throws -> T {
        guard buffer.readableBytes > 0 else { throw APIError.badRequest("the request body is empty; a JSON object is expected", code: "malformed_json") }
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(type, from: Data(buffer.readableBytesView))
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
        return DecodingProblem.describe(error, document: "the request body")
    }
}
