import Basics
import Crypto
import Foundation

/// A backup's manifest signed under the master key (HMAC-SHA-256 with a key derived from it for
/// this use alone): whoever can write to where backups are kept cannot change a backup (an admin
/// key added, a digest recomputed) without the restore refusing it. The master key itself never
/// goes into the backup.
public enum BackupSignature {
    static func key(_ master: MasterKey) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: master.key, info: Data("vigil backup manifest v1".utf8), outputByteCount: 32)
    }

    /// The signature of `message` (the manifest's fields in a fixed order), in hex.
    public static func sign(_ message: [UInt8], with master: MasterKey) -> String {
        Hex.encode(Array(HMAC<SHA256>.authenticationCode(for: message, using: key(master))))
    }

    /// Whether `signature` is `message`'s under `master` (compared in constant time).
    public static func verify(_ signature: String, of message: [UInt8], with master: MasterKey) -> Bool {
        guard Hex.isDigits(signature, count: 64) else { return false }
        var bytes: [UInt8] = []
        var index = signature.startIndex
        while index < signature.endIndex {
            let next = signature.index(index, offsetBy: 2)
            guard let byte = UInt8(signature[index..<next], radix: 16) else { return false }
            bytes.append(byte)
            index = next
        }
        return HMAC<SHA256>.isValidAuthenticationCode(bytes, authenticating: message, using: key(master))
    }
}
