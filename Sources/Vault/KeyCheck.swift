/// Tells at start whether the master key is the one the stored secrets were sealed under. The
/// database keeps one value sealed under the key when the first secret was stored; a start with
/// another key fails to open it and is refused with a clear message, instead of every credential
/// failing later, one at a time, in the middle of a workflow.
public enum KeyCheck {
    static let owner = "vigil:master-key-check"
    static let plaintext = "vigil master key check"

    /// The value to store beside the secrets.
    public static func make(_ box: SecretBox) throws(VaultError) -> SealedSecret {
        try box.seal(plaintext, owner: owner)
    }

    /// Throws `wrongMasterKey` unless `stored` was made with `box`'s key.
    public static func verify(_ stored: SealedSecret, with box: SecretBox) throws(VaultError) {
        do {
            guard try box.open(stored, owner: owner) == plaintext else { throw VaultError.wrongMasterKey }
        } catch {
            throw .wrongMasterKey
        }
    }
}
