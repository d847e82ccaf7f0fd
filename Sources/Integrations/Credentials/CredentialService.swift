public import Foundation
import Synchronization
public import Vault

/// Creates, shows, changes and deletes credentials: values checked against the integration's
/// declaration, secret fields sealed before they reach the store and masked whenever shown.
public final class CredentialService: Sendable {
    let store: any CredentialStore
    let box: SecretBox
    let probes: [String: any CredentialProbe]
    let destinations: any CredentialDestinations
    private let users = Mutex<(@Sendable (String) async throws -> [String])?>(nil)

    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case unknownIntegration(String)
        case notFound(String)
        case invalid(String)
        /// Values that do not fit their fields: every problem, each with its field.
        case invalidValues(CredentialValues.Invalid)
        /// Deleting it would break what uses it (the published workflows named): refused unless forced.
        case inUse(String, usedBy: [String])
        /// Pointing a credential somewhere new (or a fixed service's anywhere but its own hosts)
        /// takes the admin role.
        case needsAdmin(String)
        /// A destination the outbound rules refuse; nothing was sent.
        case refused(DestinationRefused)
        /// Another credential of the integration has the nickname: a workflow author picks by it.
        case nicknameTaken(String, integration: String)

        public var description: String {
            switch self {
            case let .unknownIntegration(id): "no integration \"\(id)\" (see GET /v1/integrations)"
            case let .notFound(id): "credential \(id) not found"
            case let .invalid(message): message
            case let .invalidValues(invalid): invalid.description
            case let .inUse(id, users):
                "credential \(id) is used by \(users.joined(separator: "; ")): deleting it would make them fail; change them first, or delete with force"
            case let .needsAdmin(message): message
            case let .refused(refusal): refusal.description
            case let .nicknameTaken(nickname, integration):
                "nickname: \"\(nickname.prefix(100))\" is already the name of another \(integration) credential: choose another"
            }
        }
    }

    /// - Parameters:
    ///   - destinations: where credentials may send their secrets, checked on save, test and use.
    ///   - probes: how each integration's credentials are tested (`test(id:)`).
    public init(store: any CredentialStore, box: SecretBox, destinations: any CredentialDestinations, probes: [any CredentialProbe] = []) {
        self.store = store
        self.box = box
        self.destinations = destinations
        self.probes = Dictionary(probes.map { ($0.integration, $0) }, uniquingKeysWith: { _, last in last })
    }

    /// Checks the master key against the stored check value, or stores one on the first start:
    /// a start with another key is refused here, before anything needs a secret.
    public func verifyMasterKey() async throws {
        if try await store.keyCheck() == nil {
            try await store.addKeyCheck(try KeyCheck.make(box))
        }
        // Read back: another process may have stored its own check first.
        guard let check = try await store.keyCheck() else { throw VaultError.wrongMasterKey }
        try KeyCheck.verify(check, with: box)
    }

    /// - Parameter mayRedirect: whether the caller may point a fixed service's credential
    ///   anywhere but the service's own hosts (the admin role).
    public func create(integration id: String, values given: [String: String], mayRedirect: Bool,
                       at time: Date = Date()) async throws -> CredentialView {
        guard let integration = Integrations.integration(id), integration.needsCredential else { throw Failure.unknownIntegration(id) }
        let checked: [String: String]
        do { checked = try CredentialValues.check(given, for: integration) } catch { throw Failure.invalidValues(error) }
        if !mayRedirect, integration.isFixedService, let elsewhere = integration.destinations(checked).first(where: { !integration.isServiceOrigin($0.url) }) {
            // The URL itself is not repeated: the message reaches the audit log, and a URL can hold a token.
            throw Failure.needsAdmin("\(elsewhere.field): the address given is not on \(integration.name)'s own hosts "
                                     + "(\(integration.serviceOrigins.joined(separator: ", "))): only an admin may point a credential elsewhere")
        }
        try await requireUniqueNickname(checked["nickname"], integration: integration, except: nil)
        try await checkDestinations(integration, checked, resolving: true)
        let credentialID = UUID().uuidString.lowercased()
        let (values, secrets) = try split(checked, integration: integration, credentialID: credentialID)
        let credential = Credential(id: credentialID, integration: id, values: values, secrets: secrets, createdAt: time, updatedAt: time)
        try await store.insert(credential)
        return try view(credential, plain: checked)
    }

    public func list() async throws -> [CredentialView] {
        try await store.credentials().map { try view($0) }
    }

    public func show(id: String) async throws -> CredentialView {
        try view(try await find(id))
    }

    /// What an update changed: the credential as it is now and the names (never the values) of
    /// the fields given a new value, for the audit log.
    public struct Change: Sendable {
        public let view: CredentialView
        public let changedFields: [String]
    }

    /// Changes the fields given; a field left out keeps its value (a secret too). A field that
    /// binds the secrets (endpoint, environment, user name) changes only with `mayRedirect` (the
    /// admin role) and every secret given again: whoever moves a credential must already know
    /// what it would send.
    public func update(id: String, values given: [String: String], mayRedirect: Bool, at time: Date = Date()) async throws -> Change {
        var credential = try await find(id)
        guard let integration = Integrations.integration(credential.integration) else { throw Failure.unknownIntegration(credential.integration) }
        let checked: [String: String]
        do {
            checked = try CredentialValues.check(given, for: integration, existing: (credential.values, Set(credential.secrets.keys)))
        } catch {
            throw Failure.invalidValues(error)
        }
        // Fields given a value other than the stored one (a default filling a field an older
        // credential lacks means what the absent field meant: no move).
        // A secret URL (a chat webhook's) is where the messages go: giving a new one moves them.
        let moved = integration.credentialFields.filter {
            ($0.bindsSecrets && !$0.secret && given[$0.name] != nil && checked[$0.name] != credential.values[$0.name])
                || ($0.secret && $0.kind == .url && given[$0.name] != nil)
        }.map(\.name)
        if !moved.isEmpty {
            let what = moved.joined(separator: ", ")
            guard mayRedirect else {
                throw Failure.needsAdmin("changing \(what) of a credential changes where or whose its secrets are: only an admin may")
            }
            let missing = integration.credentialFields.filter { $0.secret && given[$0.name] == nil }.map(\.name)
            guard missing.isEmpty else {
                throw Failure.invalid("changing \(what) needs \(missing.joined(separator: ", ")) given again in the same change: "
                                      + "a stored secret is never sent somewhere new on its own")
            }
        }
        if given["nickname"] != nil { try await requireUniqueNickname(checked["nickname"], integration: integration, except: id) }
        try await checkDestinations(integration, checked, resolving: true)
        let (values, sealed) = try split(checked, integration: integration, credentialID: id)
        let changed = integration.credentialFields.map(\.name).filter { name in
            given[name] != nil && (sealed[name] != nil || values[name] != credential.values[name])
        }
        credential.values = values
        credential.secrets.merge(sealed) { _, new in new }
        credential.updatedAt = time
        guard try await store.update(credential) else { throw Failure.notFound(id) }
        return Change(view: try view(credential), changedFields: changed)
    }

    /// Two credentials of one integration never share a nickname (compared without regard to case).
    func requireUniqueNickname(_ nickname: String?, integration: Integration, except id: String?) async throws {
        guard let nickname, let folded = Credential.nicknameKey(["nickname": nickname]) else { return }
        let taken = try await store.credentials().contains {
            $0.integration == integration.id && $0.id != id && Credential.nicknameKey($0.values) == folded
        }
        if taken { throw Failure.nicknameTaken(nickname, integration: integration.name) }
    }

    /// The rules of `destinations` for these values; a refusal names the field and the rule.
    func checkDestinations(_ integration: Integration, _ values: [String: String], resolving: Bool) async throws {
        do {
            try await destinations.check(integration, values: values, resolving: resolving)
        } catch let refusal as DestinationRefused {
            throw Failure.refused(refusal)
        }
    }

    /// Deletes a credential; refused (`Failure.inUse`) while something named by `checkUsers` (a
    /// published workflow) uses it, unless `force`.
    public func delete(id: String, force: Bool = false) async throws -> CredentialView {
        let credential = try await find(id)
        if !force, let check = users.withLock({ $0 }) {
            let users = try await check(credential.id)
            if !users.isEmpty { throw Failure.inUse(credential.id, usedBy: users) }
        }
        guard try await store.delete(id: id) else { throw Failure.notFound(id) }
        return try view(credential)
    }

    /// What uses a credential (the published workflows whose steps name it), asked before it is deleted.
    public func checkUsers(_ check: @escaping @Sendable (String) async throws -> [String]) {
        users.withLock { $0 = check }
    }

    /// A secret field's value, for the client that calls the integration; never for a response.
    public func secret(_ field: String, of credential: Credential) throws -> String {
        guard let sealed = credential.secrets[field] else { throw Failure.invalid("credential \(credential.id) has no \(field)") }
        return try box.open(sealed, owner: Credential.owner(credential.id, field: field))
    }

    /// The credential with its secrets opened, for a client about to call the integration: only
    /// while its destinations pass the rules (a credential saved before a rule, or under another
    /// process's settings, is refused here rather than used).
    public func open(id: String) async throws -> OpenedCredential {
        try await open(id: id, resolving: false)
    }

    /// The credential opened for a call to another place of its service (a bank source's own
    /// list): `values` over its stored ones, checked as its own would be.
    public func open(id: String, overriding values: [String: String]) async throws -> OpenedCredential {
        try await open(id: id, overriding: values, resolving: false)
    }

    /// Checks, before it is saved, that a bank source may send this credential where its own
    /// `values` say (NCMEC's `endpoint` of a list), resolving each host now.
    public func checkDestinations(ofCredential id: String, overriding values: [String: String]) async throws {
        let credential = try await find(id)
        guard let integration = Integrations.integration(credential.integration) else { throw Failure.unknownIntegration(credential.integration) }
        try await checkDestinations(integration, credential.values.merging(values) { _, new in new }, resolving: true)
    }

    func open(id: String, overriding: [String: String] = [:], resolving: Bool) async throws -> OpenedCredential {
        let credential = try await find(id)
        guard let integration = Integrations.integration(credential.integration) else { throw Failure.unknownIntegration(credential.integration) }
        let values = credential.values.merging(overriding) { _, new in new }
        try await checkDestinations(integration, values, resolving: resolving)
        var secrets: [String: String] = [:]
        for field in credential.secrets.keys { secrets[field] = try secret(field, of: credential) }
        return OpenedCredential(id: credential.id, integration: credential.integration, values: values, secrets: secrets)
    }

    /// Makes one real call with the credential (PhotoDNA: a Match of a benign image; NCMEC: its
    /// status call; a webhook: a signed test event) and reports what came back. A secret the
    /// provider echoes is masked in the report.
    /// A destination the rules refuse is a failed test that sent nothing, with the rule in words.
    public func test(id: String) async throws -> CredentialTestResult {
        let credential: OpenedCredential
        do {
            credential = try await open(id: id, resolving: true)
        } catch let Failure.refused(refusal) {
            return CredentialTestResult(ok: false, summary: "Nothing was sent: \(refusal.description)", details: ["refused": refusal.field])
        }
        guard let probe = probes[credential.integration] else {
            throw Failure.invalid("\(credential.integration) credentials cannot be tested by this process")
        }
        return await probe.probe(credential).scrubbing(credential.secretValues)
    }

    public func find(_ id: String) async throws -> Credential {
        guard let credential = try await store.credential(id: id) else { throw Failure.notFound(id) }
        return credential
    }

    /// Seals every secret under `next` and stores them and a new key check in one transaction.
    public func rotate(to next: SecretBox) async throws -> Int {
        let all = try await store.credentials()
        let moved = try all.map { credential in
            var copy = credential
            for (field, sealed) in credential.secrets {
                copy.secrets[field] = try box.reseal(sealed, owner: Credential.owner(credential.id, field: field), under: next)
            }
            return copy
        }
        var entries: [String: SealedSecret] = [:]
        for (name, sealed) in try await store.vaultEntries() {
            entries[name] = try box.reseal(sealed, owner: Self.entryOwner(name), under: next)
        }
        try await store.replaceAllSecrets(moved, entries: entries, keyCheck: try KeyCheck.make(next))
        return moved.count
    }

    /// Opens every stored secret and vault entry (a restore's proof that the master key it was
    /// given opens everything the backup holds); the first that does not open is the error, named.
    /// Returns how many opened.
    public func checkEverySecret() async throws -> Int {
        try await verifyMasterKey()
        var opened = 0
        for credential in try await store.credentials() {
            for field in credential.secrets.keys.sorted() {
                do { _ = try secret(field, of: credential) } catch {
                    throw Failure.invalid("the \(field) of credential \(credential.id) does not open with this master key")
                }
                opened += 1
            }
        }
        for (name, sealed) in try await store.vaultEntries().sorted(by: { $0.key < $1.key }) {
            do { _ = try box.open(sealed, owner: Self.entryOwner(name)) } catch {
                throw Failure.invalid("the vault's \(name) does not open with this master key")
            }
            opened += 1
        }
        return opened
    }

    static func entryOwner(_ name: String) -> String { "vault:\(name)" }

    /// The data key that encrypts evidence files, made on first use and kept sealed in the vault.
    public func evidenceKey() async throws -> DataKey {
        let name = "evidence_key"
        if let sealed = try await store.vaultEntry(name) { return try DataKey(base64: try box.open(sealed, owner: Self.entryOwner(name))) }
        try await store.addVaultEntry(name, try box.seal(DataKey.generate().base64, owner: Self.entryOwner(name)))
        // Another process may have made one first: the stored one is the key.
        guard let sealed = try await store.vaultEntry(name) else { throw VaultError.cannotOpen }
        return try DataKey(base64: try box.open(sealed, owner: Self.entryOwner(name)))
    }

    private func split(_ checked: [String: String], integration: Integration,
                       credentialID: String) throws -> (values: [String: String], secrets: [String: SealedSecret]) {
        var values: [String: String] = [:], secrets: [String: SealedSecret] = [:]
        for (name, value) in checked {
            if integration.secretFieldNames.contains(name) {
                secrets[name] = try box.seal(value, owner: Credential.owner(credentialID, field: name))
            } else {
                values[name] = value
            }
        }
        return (values, secrets)
    }

    /// The masked view; `plain` spares decrypting a secret that was just given.
    private func view(_ credential: Credential, plain: [String: String] = [:]) throws -> CredentialView {
        var masked: [String: String] = [:]
        for field in credential.secrets.keys {
            masked[field] = SecretMask.mask(try plain[field] ?? secret(field, of: credential), field: field)
        }
        return CredentialView(id: credential.id, integration: credential.integration, values: credential.values, secrets: masked,
                              createdAt: credential.createdAt, updatedAt: credential.updatedAt)
    }
}
