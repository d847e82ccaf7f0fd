/// Lowercase hexadecimal text of bytes: the one encoder for PDQ hashes, digests and anything else
/// Vigil writes as hex.
public enum Hex {
    static let digits = Array("0123456789abcdef".utf8)

    /// Written straight into the string's storage: an export calls this once for each of millions of rows.
    public static func encode<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            var i = 0
            for byte in bytes {
                out[i] = digits[Int(byte >> 4)]
                out[i + 1] = digits[Int(byte & 0xF)]
                i += 2
            }
            return i
        }
    }
}
