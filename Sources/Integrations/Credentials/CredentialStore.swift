import Foundation
public import Vault

/// Where credentials are kept. Implementations hold no secret in plain text: they receive sealed
/// values only.
public protocol CredentialStore: Sendable {
    func insert(_ credential: Credential) async throws
    func credential(id: String) async throws -> Credential?
    func credentials() async throws -> [Credential]
    /// Replaces the stored credential of the same id; false when there is none.
    func update(_ credential: Credential) async throws -> Bool
    func delete(id: String) async throws -> Bool

    /// The master-key check value (see `KeyCheck`), nil before the first start that made one.
    func keyCheck() async throws -> SealedSecret?
    /// Stores the check value unless one is stored already.
    func addKeyCheck(_ check: SealedSecret) async throws
    /// A sealed value the vault keeps for Vigil itself (the evidence data key), by name.
    func vaultEntry(_ name: String) async throws -> SealedSecret?
    /// Stores it unless one is stored under that name already (two first starts at once).
    func addVaultEntry(_ name: String, _ sealed: SealedSecret) async throws
    /// Every such entry, for master-key rotation.
    func vaultEntries() async throws -> [String: SealedSecret]
    /// Master-key rotation: every credential's secrets, the vault's own entries and the key
    /// check replaced in one transaction, so a crash leaves all of them under the old key or all
    /// under the new.
    func replaceAllSecrets(_ credentials: [Credential], entries: [String: SealedSecret], keyCheck: SealedSecret) async throws
}
