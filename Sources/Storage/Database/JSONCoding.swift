import Foundation
import JSONValues

/// JSON kept in a TEXT column: one encoder (sorted keys, so equal values are equal text) and
/// one decoder whose failure names what was being read. `millisecondDates` writes dates as
/// milliseconds since 1970, so a document with dates reads back equal to what was written (the
/// default, seconds since 2001 as a Double, stays for the documents stored with it).
enum JSONCoding {
    /// A JSON value (an event's payload): the same text as the encoder's, written directly
    /// (`JSONValue.jsonText`). Chosen wherever the value's type is `JSONValue`; a value inside
    /// another `Encodable` goes through the encoder, to the same text.
    static func encode(_ value: JSONValue) throws -> String {
        try value.jsonText()
    }

    static func encode<T: Encodable>(_ value: T, millisecondDates: Bool = false) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        if millisecondDates { encoder.dateEncodingStrategy = .millisecondsSince1970 }
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String, _ what: String, millisecondDates: Bool = false) throws -> T {
        let decoder = JSONDecoder()
        if millisecondDates { decoder.dateDecodingStrategy = .millisecondsSince1970 }
        do { return try decoder.decode(type, from: Data(text.utf8)) } catch { throw StorageError.corruptRow("\(what) is not valid JSON: \(error)") }
    }
}
