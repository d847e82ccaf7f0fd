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
    /// Master-key rotation: every credential's secrets and the key check replaced in one
    /// transaction, so a crash leaves all of them under the old key or all under the new.
    func replaceAllSecrets(_ credentials: [Credential], keyCheck: SealedSecret) async throws
}
