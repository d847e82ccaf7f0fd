import Crypto
import Foundation

/// The key every stored secret is encrypted under: 32 random bytes, from `VIGIL_MASTER_KEY`
/// (base64) or from a key file the first start creates with mode 0600 (`MasterKeyFile`, where
/// the process's environment and files are read). Losing it loses every
/// stored credential; a different one must be refused at start, not at a credential's first use
/// (see `KeyCheck`).
public struct MasterKey: Sendable {
    /// The key's bytes (Data is Sendable; swift-crypto's `SymmetricKey` is not).
    let bytes: Data

    public static let byteCount = 32

    init(key: SymmetricKey) {
        bytes = key.withUnsafeBytes { Data($0) }
    }

    var key: SymmetricKey { SymmetricKey(data: bytes) }

    /// A new random key.
    public static func generate() -> MasterKey {
        MasterKey(key: SymmetricKey(size: .bits256))
    }

    /// A key from its base64 text (what `VIGIL_MASTER_KEY` and the key file hold).
    public init(base64 text: String) throws(VaultError) {
        guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw .malformedMasterKey("it is not base64")
        }
        guard data.count == Self.byteCount else {
            throw .malformedMasterKey("it holds \(data.count) bytes, not \(Self.byteCount)")
        }
        bytes = data
    }

    /// The key as base64 text, for the key file.
    public var base64: String {
        bytes.base64EncodedString()
    }
}
