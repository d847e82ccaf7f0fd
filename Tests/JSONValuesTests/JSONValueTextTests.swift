import Foundation
import JSONValues
import Testing

/// `jsonText()` writes what the encoder it replaces wrote (`JSONEncoder`, sorted keys, slashes
/// unescaped), byte for byte: stored payloads keep their form, and equal values stay equal text.
@Suite struct JSONValueTextTests {
    static func encoderText(_ value: JSONValue) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Every byte a string can hold below 0x80, and the characters around the escapes.
    static let awkwardStrings: [String] = [
        "", "plain", "a/b", "quote \" and backslash \\", "tab\tnewline\ncr\rformfeed\u{0C}backspace\u{08}",
        String((0..<0x80).map { Character(Unicode.Scalar(UInt8($0))) }), "naïve café", "日本語", "\u{1F600}\u{1F1EB}\u{1F1F7}",
        "\u{2028}\u{2029}\u{FEFF}", "key/with/slashes", "Z", "a", "ä", "A", "_",
    ]

    static let awkwardNumbers: [Double] = [
        0, -0.0, 1, -1, 42, 0.1, -0.5, 1.5, 1e14, 999_999_999_999_999, 1e15, -1e15, 1e15 + 2, 123_456_789_012_345_678,
        1e20, 1e21, 1e300, -1e-7, 5e-324, Double.greatestFiniteMagnitude, 9_007_199_254_740_993, 0.000_001, 3.141_592_653_589_793,
    ]

    @Test func scalarsAreWrittenAsTheEncoderWritesThem() throws {
        for text in Self.awkwardStrings {
            #expect(try JSONValue.string(text).jsonText() == Self.encoderText(.string(text)), "\(text.debugDescription)")
        }
        for number in Self.awkwardNumbers {
            #expect(try JSONValue.number(number).jsonText() == Self.encoderText(.number(number)), "\(number)")
        }
        // Keys in UTF-8 order, not String order: "e" + a combining accent sorts before "f" by its
        // bytes, after it as a character (é).
        let accented: JSONValue = .object(["f": 1, "e\u{301}": 2, "E": 3])
        #expect(try accented.jsonText() == #"{"E":3,"e\#u{301}":2,"f":1}"#)
        #expect(try accented.jsonText() == Self.encoderText(accented))
        for value: JSONValue in [.null, .bool(true), .bool(false), .array([]), .object([:])] {
            #expect(try value.jsonText() == Self.encoderText(value))
        }
    }

    /// Random documents (seeded): nested arrays and objects whose keys sort differently by UTF-8
    /// than by characters, and every kind of scalar.
    @Test func randomDocumentsAreWrittenAsTheEncoderWritesThem() throws {
        var generator = SeededGenerator(seed: 20_261_208)
        for round in 0..<300 {
            let value = Self.randomValue(depth: 0, &generator)
            #expect(try value.jsonText() == Self.encoderText(value), "round \(round)")
        }
    }

    @Test func whatTheEncoderRefusesIsRefused() throws {
        for number in [Double.nan, .infinity, -.infinity] {
            #expect(throws: JSONValue.TextError.notANumber(number.description)) { try JSONValue.number(number).jsonText() }
            #expect(throws: (any Error).self) { try Self.encoderText(.number(number)) }
        }
        func nested(_ depth: Int) -> JSONValue {
            (0..<depth).reduce(JSONValue.null) { inner, level in level.isMultiple(of: 2) ? .array([inner]) : .object(["k": inner]) }
        }
        #expect(try nested(511).jsonText() == Self.encoderText(nested(511)))
        for depth in [512, 600] {
            #expect(throws: JSONValue.TextError.tooDeep) { try nested(depth).jsonText() }
            #expect(throws: (any Error).self) { try Self.encoderText(nested(depth)) }
        }
    }

    static func randomValue(depth: Int, _ generator: inout SeededGenerator) -> JSONValue {
        let kinds = depth >= 4 ? 4 : 6
        switch Int.random(in: 0..<kinds, using: &generator) {
        case 0: return Bool.random(using: &generator) ? .null : .bool(Bool.random(using: &generator))
        case 1:
            switch Int.random(in: 0..<3, using: &generator) {
            case 0: return .number(Double(Int.random(in: -1_000_000...1_000_000, using: &generator)))
            case 1: return .number(Double.random(in: -1e6...1e6, using: &generator))
            default: return .number(awkwardNumbers.randomElement(using: &generator) ?? 0)
            }
        case 2, 3: return .string(randomString(&generator))
        case 4: return .array((0..<Int.random(in: 0...5, using: &generator)).map { _ in randomValue(depth: depth + 1, &generator) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0...6, using: &generator) { members[randomString(&generator)] = randomValue(depth: depth + 1, &generator) }
            return .object(members)
        }
    }

    static func randomString(_ generator: inout SeededGenerator) -> String {
        let pieces = ["a", "Z", "_", "/", "\"", "\\", "\n", "\u{01}", "\u{1F}", "\u{7F}", "é", "ß", "日", "\u{1F600}", "0", " ", "e\u{301}", "\u{301}"]
        return (0..<Int.random(in: 0...8, using: &generator)).map { _ in pieces.randomElement(using: &generator) ?? "" }.joined()
    }
}

/// SplitMix64: the same documents on every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
