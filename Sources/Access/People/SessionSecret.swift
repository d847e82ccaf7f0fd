import Crypto
import Foundation

/// Session secrets (`vgs_` and 32 random bytes, base64url) and what is derived from them. Like
/// key secrets they have full entropy, so a SHA-256 digest is a sufficient stored verifier.
public enum SessionSecret {
    public static let scheme = "vgs_"

    public static func generate() -> String {
        KeySecret.generate().replacingOccurrences(of: KeySecret.scheme, with: scheme)
    }

    public static func digest(_ secret: String) -> String { KeySecret.digest(secret) }

    /// The CSRF token of the session: derived from the secret, so it needs no storage and every
    /// replica computes the same one; it reveals nothing of the secret.
    public static func csrfToken(_ secret: String) -> String { KeySecret.digest("csrf:" + secret) }

    public static func isWellFormed(_ text: String) -> Bool {
        text.hasPrefix(scheme) && KeySecret.isWellFormed(KeySecret.scheme + text.dropFirst(scheme.count))
    }

    /// Compares two tokens in time that does not depend on where they differ.
    public static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in x.indices { difference |= x[i] ^ y[i] }
        return difference == 0
    }
}
