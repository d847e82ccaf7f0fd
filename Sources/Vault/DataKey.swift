import Basics
import Crypto
public import Foundation

/// A data-encryption key for evidence files: random, kept in the vault sealed under the master
/// key (so rotating the master key re-seals it and never re-encrypts the files). Each file is
/// sealed with AES-256-GCM and a fresh nonce, authenticated with its own name, so a file moved
/// onto another name does not open.
public struct DataKey: Sendable {
    /// The key's bytes (Data is Sendable; swift-crypto's `SymmetricKey` is not).
    let bytes: Data
    var key: SymmetricKey { SymmetricKey(data: bytes) }

    public static func generate() -> DataKey { DataKey(key: SymmetricKey(size: .bits256)) }

    public init(base64 text: String) throws(VaultError) {
        guard let data = Data(base64Encoded: text), data.count == 32 else { throw VaultError.cannotOpen }
        bytes = data
    }

    init(key: SymmetricKey) { bytes = key.withUnsafeBytes { Data($0) } }

    public var base64: String { bytes.base64EncodedString() }

    public func seal(_ bytes: [UInt8], name: String) throws -> Data {
        guard let combined = try AES.GCM.seal(bytes, using: key, nonce: AES.GCM.Nonce(), authenticating: Data(name.utf8)).combined else {
            throw VaultError.cannotOpen
        }
        return combined
    }

    public func open(_ sealed: Data, name: String) throws(VaultError) -> [UInt8] {
        do {
            return Array(try AES.GCM.open(try AES.GCM.SealedBox(combined: sealed), using: key, authenticating: Data(name.utf8)))
        } catch {
            throw .cannotOpen
        }
    }

    /// The name a file is stored under: an HMAC of its SHA-256, so that the directory does not
    /// list which known images it holds to anyone who can read it but not the vault.
    public func fileName(for sha256: String) -> String {
        Hex.encode(Array(HMAC<SHA256>.authenticationCode(for: Data(sha256.utf8), using: key)))
    }
}
