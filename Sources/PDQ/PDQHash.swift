/// A 256-bit PDQ hash.
///
/// Bit `k = 16*i + j` is DCT coefficient (row i, column j). The reference stores it as sixteen
/// 16-bit words; here it is four 64-bit words (word `q` holds reference words `4q ..< 4q+4`) so that
/// Hamming distance is four XOR-popcounts. The hex form is the 256-bit number printed most
/// significant digit first, exactly as the reference prints `w[15] … w[0]`.
public struct PDQHash: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var w0: UInt64
    public var w1: UInt64
    public var w2: UInt64
    public var w3: UInt64

    public static let zero = PDQHash(w0: 0, w1: 0, w2: 0, w3: 0)
    public static let bitCount = 256
    public static let hexLength = 64

    @inlinable
    public init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        self.w0 = w0
        self.w1 = w1
        self.w2 = w2
        self.w3 = w3
    }

    /// Words in little-endian order: `words[0]` holds bits 0 ..< 64.
    @inlinable
    public init(words: (UInt64, UInt64, UInt64, UInt64)) {
        self.init(w0: words.0, w1: words.1, w2: words.2, w3: words.3)
    }

    /// Parses 64 hex digits (either case). Returns nil for any other input.
    public init?<S: StringProtocol>(hex: S) {
        var text = String(hex)
        let parsed = text.withUTF8 { Self.parse($0) }
        guard let parsed else { return nil }
        self = parsed
    }

    /// The hot path of hex parsing (imports parse millions): bytes, not generic characters.
    private static func parse(_ utf8: UnsafeBufferPointer<UInt8>) -> PDQHash? {
        guard utf8.count == Self.hexLength else { return nil }
        var w3: UInt64 = 0, w2: UInt64 = 0, w1: UInt64 = 0, w0: UInt64 = 0
        var index = 0
        for byte in utf8 {
            guard let nibble = Self.nibble(byte) else { return nil }
            // Digits 0-15 are word 3 (most significant), 16-31 word 2, and so on.
            switch index >> 4 {
            case 0: w3 = w3 << 4 | UInt64(nibble)
            case 1: w2 = w2 << 4 | UInt64(nibble)
            case 2: w1 = w1 << 4 | UInt64(nibble)
            default: w0 = w0 << 4 | UInt64(nibble)
            }
            index += 1
        }
        return PDQHash(w0: w0, w1: w1, w2: w2, w3: w3)
    }

    @inline(__always)
    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// 64 lowercase hex digits.
    public var hex: String {
        // Most significant word first, each word big-endian: the reference's byte order.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { bytes in
            var i = 0
            for word in [w3, w2, w1, w0] {
                for shift in stride(from: 56, through: 0, by: -8) {
                    bytes[i] = UInt8(truncatingIfNeeded: word >> UInt64(shift))
                    i += 1
                }
            }
            return Hex.encode(bytes)
        }
    }

    public var description: String { hex }

    @inlinable
    public func distance(to other: PDQHash) -> Int {
        (w0 ^ other.w0).nonzeroBitCount + (w1 ^ other.w1).nonzeroBitCount
            + (w2 ^ other.w2).nonzeroBitCount + (w3 ^ other.w3).nonzeroBitCount
    }

    @inlinable
    public var popcount: Int {
        w0.nonzeroBitCount + w1.nonzeroBitCount + w2.nonzeroBitCount + w3.nonzeroBitCount
    }

    @inlinable
    public func word(_ index: Int) -> UInt64 {
        switch index {
        case 0: return w0
        case 1: return w1
        case 2: return w2
        default: return w3
        }
    }

    /// The reference's 16-bit word `index` (0 ..< 16): the slot used by multi-index hashing.
    @inlinable
    public func slot(_ index: Int) -> UInt16 {
        UInt16(truncatingIfNeeded: word(index >> 2) >> UInt64((index & 3) * 16))
    }

    @inlinable
    public func bit(_ k: Int) -> Bool {
        (word(k >> 6) >> UInt64(k & 63)) & 1 == 1
    }

    @inlinable
    public mutating func setBit(_ k: Int) {
        let mask = UInt64(1) << UInt64(k & 63)
        switch k >> 6 {
        case 0: w0 |= mask
        case 1: w1 |= mask
        case 2: w2 |= mask
        default: w3 |= mask
        }
    }

    /// The hash with bit `k` inverted.
    @inlinable
    public func flippingBit(_ k: Int) -> PDQHash {
        var copy = self
        let mask = UInt64(1) << UInt64(k & 63)
        switch k >> 6 {
        case 0: copy.w0 ^= mask
        case 1: copy.w1 ^= mask
        case 2: copy.w2 ^= mask
        default: copy.w3 ^= mask
        }
        return copy
    }

    public static func < (lhs: PDQHash, rhs: PDQHash) -> Bool {
        (lhs.w3, lhs.w2, lhs.w1, lhs.w0) < (rhs.w3, rhs.w2, rhs.w1, rhs.w0)
    }
}

extension PDQHash: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let hash = PDQHash(hex: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "a PDQ hash is 64 hex digits, got \(text.count) characters")
        }
        self = hash
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}
