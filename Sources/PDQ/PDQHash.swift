import Basics

/// A 256-bit PDQ hash.
///
/// Bit `k = 16*i + j` is DCT coefficient (row i, column j). The reference stores it as sixteen
/// 16-bit words; here it is four 64-bit words (word `q` holds reference words `4q ..< 4q+4`) so that
/// Hamming distance is four XOR-popcounts. The hex form is the 256-bit number printed most
/// significant digit first, exactly as the reference prints `w[15] … w[0]`.
public struct PDQHash: Hashable, Sendable, Comparable, CustomStringConvertible, BitwiseCopyable {
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
        // A field of a line read from a list is a Substring: parsed in place, not copied first.
        let parsed = hex.utf8.withContiguousStorageIfAvailable { Self.parse($0) } ?? {
            var text = String(hex)
            return text.withUTF8 { Self.parse($0) }
        }()
        guard let parsed else { return nil }
        self = parsed
    }

    /// The hot path of hex parsing (imports parse millions): bytes, not generic characters, one
    /// word of sixteen digits at a time, invalid digits checked once per word.
    private static func parse(_ utf8: UnsafeBufferPointer<UInt8>) -> PDQHash? {
        guard utf8.count == Self.hexLength, let base = utf8.baseAddress else { return nil }
        // Digits 0-15 are word 3 (most significant), 16-31 word 2, and so on.
        func word(_ first: Int) -> UInt64? {
            var value: UInt64 = 0, invalid: UInt8 = 0
            for offset in first..<(first + 16) {
                let nibble = Self.nibble(base[offset])
                invalid |= nibble
                value = value << 4 | UInt64(nibble & 0x0F)
            }
            return invalid & 0xF0 == 0 ? value : nil
        }
        guard let w3 = word(0), let w2 = word(16), let w1 = word(32), let w0 = word(48) else { return nil }
        return PDQHash(w0: w0, w1: w1, w2: w2, w3: w3)
    }

    /// A hex digit's value, or 0xFF for any other byte. Without branches: a list's digits are
    /// random, and a branch on digit-or-letter mispredicted every other digit.
    @inline(__always)
    private static func nibble(_ byte: UInt8) -> UInt8 {
        let digit = byte &- UInt8(ascii: "0")
        // Setting 0x20 folds A-F onto a-f; no other byte lands in a-f.
        let letter = (byte | 0x20) &- UInt8(ascii: "a")
        let value = digit < 10 ? digit : letter &+ 10
        let valid = (digit < 10 ? 1 : 0) | (letter < 6 ? 1 : 0) as UInt8
        return valid == 1 ? value : 0xFF
    }

    /// 64 lowercase hex digits.
    public var hex: String {
        String(unsafeUninitializedCapacity: Self.hexLength) { out in
            writeHex(into: out)
            return Self.hexLength
        }
    }

    /// Writes the 64 lowercase hex digits into the first 64 bytes of `out`: how a bulk writer puts
    /// millions of hashes into one buffer without a String for each.
    public func writeHex(into out: UnsafeMutableBufferPointer<UInt8>) {
        precondition(out.count >= Self.hexLength, "a PDQ hash needs 64 bytes of hex")
        // Most significant word first, each most significant digit first: the reference's order.
        func write(_ word: UInt64, at first: Int) {
            for digit in 0..<16 {
                out[first + digit] = Hex.digit(UInt8(truncatingIfNeeded: word >> UInt64(60 - 4 * digit)) & 0xF)
            }
        }
        write(w3, at: 0)
        write(w2, at: 16)
        write(w1, at: 32)
        write(w0, at: 48)
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
