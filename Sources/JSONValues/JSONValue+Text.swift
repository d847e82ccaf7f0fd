/// JSON text of a `JSONValue`, written directly: byte for byte what swift-foundation's `JSONEncoder`
/// (Linux's; Darwin's can sort keys another way for old apps) writes with
/// `[.sortedKeys, .withoutEscapingSlashes]` (keys in UTF-8 order; `"`, `\` and control characters
/// escaped as it escapes them; whole numbers under 10^15 as integers, others as Swift prints
/// a Double without a trailing ".0"). Every matching lookup stores its event's payload as this
/// text; in a profile of matching lookups the encoder's generic machinery took about ten times
/// what writing it directly takes.
extension JSONValue {
    /// Why a value has no JSON text.
    public enum TextError: Error, Equatable, CustomStringConvertible {
        /// NaN or an infinity: JSON has no such number.
        case notANumber(String)
        /// Arrays and objects nested 512 deep or more (`JSONEncoder`'s limit).
        case tooDeep

        public var description: String {
            switch self {
            case let .notANumber(value): "\(value) is not a number JSON can hold"
            case .tooDeep: "arrays and objects are nested too deeply (512 levels or more)"
            }
        }
    }

    static let maximumDepth = 512

    /// Compact JSON, keys sorted by their UTF-8 bytes.
    public func jsonText() throws(TextError) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        try Self.write(self, into: &bytes, depth: 0)
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func write(_ value: JSONValue, into bytes: inout [UInt8], depth: Int) throws(TextError) {
        switch value {
        case .null: bytes.append(contentsOf: "null".utf8)
        case let .bool(flag): bytes.append(contentsOf: (flag ? "true" : "false").utf8)
        case let .number(number): try writeNumber(number, into: &bytes)
        case let .string(text): writeString(text, into: &bytes)
        case let .array(elements):
            guard depth + 1 < maximumDepth else { throw .tooDeep }
            bytes.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                try write(element, into: &bytes, depth: depth + 1)
            }
            bytes.append(UInt8(ascii: "]"))
        case let .object(members):
            guard depth + 1 < maximumDepth else { throw .tooDeep }
            bytes.append(UInt8(ascii: "{"))
            for (index, member) in members.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }).enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                writeString(member.key, into: &bytes)
                bytes.append(UInt8(ascii: ":"))
                try write(member.value, into: &bytes, depth: depth + 1)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// As `encode(to:)` chooses: a whole number under 10^15 as an Int64, any other as a Double.
    private static func writeNumber(_ number: Double, into bytes: inout [UInt8]) throws(TextError) {
        guard number.isFinite else { throw .notANumber(number.description) }
        if number == number.rounded(), abs(number) < 1e15 {
            bytes.append(contentsOf: Int64(number).description.utf8)
            return
        }
        var text = number.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        bytes.append(contentsOf: text.utf8)
    }

    private static func writeString(_ text: String, into bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x00...0x1F:
                bytes.append(contentsOf: "\\u00".utf8)
                bytes.append(hexDigit(byte >> 4))
                bytes.append(hexDigit(byte & 0xF))
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }
}
