/// Lowercase hexadecimal text of bytes: the one encoder for PDQ hashes, digests, ids and anything
/// else Vigil writes as hex.
public enum Hex {
    /// Whether `text` is exactly `count` hex digits (a digest or hash as given): the one check.
    public static func isDigits(_ text: String, count: Int) -> Bool { text.utf8.count == count && text.allSatisfy(\.isHexDigit) }

    /// The ASCII digit of a nibble (0...15): inlined into the hot loops that write millions of hashes.
    @inlinable
    public static func digit(_ nibble: UInt8) -> UInt8 { nibble &+ (nibble < 10 ? 48 : 87) }

    /// Written straight into the string's storage: an export calls this once for each of millions of rows.
    public static func encode<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            var i = 0
            for byte in bytes {
                out[i] = digit(byte >> 4)
                out[i + 1] = digit(byte & 0xF)
                i += 2
            }
            return i
        }
    }
}
