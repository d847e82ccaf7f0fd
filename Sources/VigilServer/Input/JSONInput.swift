import Basics
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
            decoder.dateDecodingStrategy = Timestamp.decodingStrategy
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

    /// The bytes of a JSON text that are not in its longest string: how much structure (values,
    /// keys, nesting) decoding it would build, whatever one large string value holds.
    static func bytesOutsideLongestString(_ buffer: ByteBuffer) -> Int {
        var inString = false, escaped = false
        var current = 0, longest = 0
        for byte in buffer.readableBytesView {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") {
                    inString = false
                    longest = max(longest, current)
                    continue
                }
                current += 1
            } else if byte == UInt8(ascii: "\"") {
                inString = true
                current = 0
            }
        }
        return buffer.readableBytes - longest
    }

    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "the request body is not valid JSON" }
        return DecodingProblem.describe(error, document: "the request body")
    }
}
