import Crypto
public import Foundation

/// Encrypts and decrypts stored secrets with AES-256-GCM under the master key. Each secret has its
/// own random nonce, and the id of what owns it (a credential) is authenticated with it, so a
/// sealed secret copied onto another credential does not open.
public struct SecretBox: Sendable {
    let master: MasterKey

    public init(master: MasterKey) {
        self.master = master
    }

    public func seal(_ secret: String, owner: String) throws(VaultError) -> SealedSecret {
        do {
            let box = try AES.GCM.seal(Data(secret.utf8), using: master.key, nonce: AES.GCM.Nonce(),
                                       authenticating: Data(owner.utf8))
            guard let combined = box.combined else { throw VaultError.cannotOpen }
            return SealedSecret(combined: combined)
        } catch {
            throw .cannotOpen
        }
    }

    /// The secret, or `cannotOpen` when it was sealed under another key or for another owner, or
    /// was changed since.
    public func open(_ sealed: SealedSecret, owner: String) throws(VaultError) -> String {
        do {
            let box = try AES.GCM.SealedBox(combined: sealed.combined)
            let data = try AES.GCM.open(box, using: master.key, authenticating: Data(owner.utf8))
            guard let text = String(data: data, encoding: .utf8) else { throw VaultError.cannotOpen }
            return text
        } catch {
            throw .cannotOpen
        }
    }

    /// A secret sealed again under `other`: what master-key rotation does to each secret.
    public func reseal(_ sealed: SealedSecret, owner: String, under other: SecretBox) throws(VaultError) -> SealedSecret {
        try other.seal(try open(sealed, owner: owner), owner: owner)
    }
}

/// A sealed secret as stored: nonce, ciphertext and tag in one value.
public struct SealedSecret: Sendable, Equatable, Codable {
    public let combined: Data

    public init(combined: Data) {
        self.combined = combined
    }

    /// Base64, for a text column.
    public var base64: String { combined.base64EncodedString() }

    public init?(base64 text: String) {
        guard let data = Data(base64Encoded: text) else { return nil }
        combined = data
    }
}
