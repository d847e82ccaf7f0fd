import Crypto
import Foundation
import Basics

/// Key secrets: `vgl_` and 43 base64url characters (32 random bytes). They have full entropy,
/// so one SHA-256 is a sufficient verifier: there is nothing to brute-force that a slow
/// password hash would protect.
public enum KeySecret {
    public static let scheme = "vgl_"
    static let prefixLength = scheme.count + 6

    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let text = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return scheme + text
    }

    /// The stored verifier: lowercase hex SHA-256 of the secret's UTF-8 bytes.
    /// Computed on every authenticated request (the key cache is keyed by it): one hex encoder
    /// writing into one string, not a string per byte.
    public static func digest(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).withUnsafeBytes { Hex.encode($0) }
    }

    public static func prefix(of secret: String) -> String { String(secret.prefix(prefixLength)) }

    /// Whether `text` could be a key at all: checked before any lookup so junk never reaches storage.
    public static func isWellFormed(_ text: String) -> Bool {
        text.hasPrefix(scheme) && text.utf8.count == scheme.utf8.count + 43
            && text.utf8.dropFirst(scheme.utf8.count).allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == 0x2D || byte == 0x5F
            }
    }
}
