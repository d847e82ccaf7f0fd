import JSONValues
import Banks
import ContentHashing
import Foundation
import Hummingbird
import Lookup
import NIOCore
import PDQ

/// A PDQ threshold from a query, a form field or JSON: an integer from 0 to 256, and an error that
/// says which of those it is not.
enum Threshold {
    static let range = 0...256

    static func parse(_ text: String) throws -> Int {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let value = Int(trimmed) { return try check(value) }
        if let value = Double(trimmed), value.isFinite {
            if value != value.rounded() { throw invalid("threshold must be a whole number, got \(trimmed.prefix(40))") }
            throw outOfRange(trimmed)
        }
        throw invalid("threshold must be an integer from 0 to 256, got \"\(trimmed.prefix(40))\"")
    }

    static func parse(_ value: JSONValue) throws -> Int {
        guard let number = value.number else { throw invalid("threshold must be an integer from 0 to 256, not \(value.text.prefix(40))") }
        guard number == number.rounded() else { throw invalid("threshold must be a whole number, got \(number)") }
        guard abs(number) < 1e9 else { throw outOfRange(value.text) }
        return try check(Int(number))
    }

    static func check(_ value: Int) throws -> Int {
        guard range.contains(value) else { throw outOfRange(String(value)) }
        return value
    }

    static func outOfRange(_ text: String) -> APIError {
        invalid("threshold \(text.prefix(40)) is out of range: it must be from 0 to 256")
    }

    static func invalid(_ message: String) -> APIError { APIError.badRequest(message, code: "invalid_threshold") }
}
