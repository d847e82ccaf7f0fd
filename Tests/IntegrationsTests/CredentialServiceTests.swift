import Foundation
import Integrations
import Storage
import Testing
import Vault
import VigilTestSupport

@Suite(.serialized) struct CredentialServiceTests {
    static let secret = "pdna-subscription-7f3a9c2e4b"

    /// Stored credentials keep their secret sealed: the database holds no plain secret, a view
    /// shows it masked, and the client that calls the service can still read it.
    @Test(arguments: Backend.allCases)
    func secretsAreSealedAtRestAndMaskedWhenShown(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let database = try await VigilDatabase.open(db.location)
        defer { Task { await database.close() } }
        let service = CredentialService(store: SQLCredentialStore(database: database), box: SecretBox(master: .generate()), destinations: Destinations())
        try await service.verifyMasterKey()
        let view = try await service.create(integration: "photodna", values: ["nickname": "prod", "subscription_key": Self.secret], mayRedirect: false)
        #expect(view.secrets == ["subscription_key": "••••2e4b"])
        #expect(view.values["endpoint"] == "https://api.microsoftmoderator.com/photodna/v1.0" && view.values["requests_per_second"] == "5")
        #expect(view.values["subscription_key"] == nil)
        let stored = try await service.find(view.id)
        #expect(try service.secret("subscription_key", of: stored) == Self.secret)
        // Nothing in the database holds the secret: not the credential's row, not any other.
        let rows = try await database.run { sql in try await sql.raw("SELECT field_values, secrets FROM credentials").all() }
        for row in rows {
            #expect(!(try row.decode(column: "field_values", as: String.self)).contains(Self.secret))
            #expect(!(try row.decode(column: "secrets", as: String.self)).contains(Self.secret))
        }
        if case let .sqlite(path) = db.location {
            let file = try Data(contentsOf: URL(fileURLWithPath: path))
            let wal = (try? Data(contentsOf: URL(fileURLWithPath: path + "-wal"))) ?? Data()
            #expect(file.range(of: Data(Self.secret.utf8)) == nil && wal.range(of: Data(Self.secret.utf8)) == nil)
        }
    }

    @Test func valuesAreCheckedAgainstTheIntegrationsDeclaration() async throws {
        let db = try TestDatabase.make(.sqlite)
        let database = try await VigilDatabase.open(db.location)
        defer { Task { await database.close() } }
        let service = CredentialService(store: SQLCredentialStore(database: database), box: SecretBox(master: .generate()), destinations: Destinations())
        // Every problem at once, each with its field.
        do {
            _ = try await service.create(integration: "photodna", values: ["nickname": "x", "requests_per_second": "0"], mayRedirect: false)
            Issue.record("a credential without its key was accepted")
        } catch let CredentialService.Failure.invalidValues(invalid) {
            #expect(invalid.problems.map(\.field) == ["subscription_key", "requests_per_second"], "\(invalid)")
            #expect(invalid.description == "subscription_key is required; requests_per_second: \"0\" is not an integer from 1 to 1000")
        }
        await #expect(throws: CredentialService.Failure.unknownIntegration("telepathy")) {
            try await service.create(integration: "telepathy", values: [:], mayRedirect: false)
        }
        do {
            _ = try await service.create(integration: "photodna", values: ["nickname": "x", "subscription_key": "k", "requests_per_second": "fast"], mayRedirect: false)
            Issue.record("a bad rate was accepted")
        } catch let error as CredentialService.Failure {
            #expect(error.description.contains("requests_per_second") && error.description.contains("1 to 1000"))
        }
        do {
            _ = try await service.create(integration: "webhook", values: ["nickname": "x", "url": "ftp://example.org", "signing_secret": "s"], mayRedirect: false)
            Issue.record("an ftp URL was accepted")
        } catch let error as CredentialService.Failure {
            #expect(error.description.contains("url") && error.description.contains("http(s) URL"))
        }
        do {
            _ = try await service.create(integration: "photodna", values: ["nickname": "x", "subscription_key": "k", "colour": "red"], mayRedirect: false)
            Issue.record("an unknown field was accepted")
        } catch let error as CredentialService.Failure {
            #expect(error.description.contains("no field \"colour\""))
        }
    }

    /// An update changes only what it names; a secret left out stays, a new one replaces it.
    @Test func anUpdateKeepsWhatItDoesNotName() async throws {
        let db = try TestDatabase.make(.sqlite)
        let database = try await VigilDatabase.open(db.location)
        defer { Task { await database.close() } }
        let service = CredentialService(store: SQLCredentialStore(database: database), box: SecretBox(master: .generate()), destinations: Destinations())
        let view = try await service.create(integration: "photodna", values: ["nickname": "a", "subscription_key": Self.secret], mayRedirect: false)
        let renamed = try await service.update(id: view.id, values: ["nickname": "b"], mayRedirect: false)
        #expect(renamed.view.values["nickname"] == "b" && renamed.view.secrets == view.secrets && renamed.changedFields == ["nickname"])
        #expect(try service.secret("subscription_key", of: try await service.find(view.id)) == Self.secret)
        _ = try await service.update(id: view.id, values: ["subscription_key": "another-key-123456"], mayRedirect: false)
        #expect(try service.secret("subscription_key", of: try await service.find(view.id)) == "another-key-123456")
        #expect(try await service.delete(id: view.id).id == view.id)
        await #expect(throws: CredentialService.Failure.notFound(view.id)) { try await service.show(id: view.id) }
    }

    /// A start with another master key is refused before any credential is used; rotation moves
    /// every secret to a new key in one step.
    @Test(arguments: Backend.allCases)
    func anotherMasterKeyIsRefusedAndRotationMovesEverySecret(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let database = try await VigilDatabase.open(db.location)
        defer { Task { await database.close() } }
        let store = SQLCredentialStore(database: database)
        let first = SecretBox(master: .generate())
        let service = CredentialService(store: store, box: first, destinations: Destinations())
        try await service.verifyMasterKey()
        let view = try await service.create(integration: "ncmec_hash_sharing", values: ["nickname": "n", "username": "u", "password": "pw-0123456789"],
                                            mayRedirect: false)
        // The evidence data key is made once and kept: the same key every time it is asked for.
        let evidenceKey = try await service.evidenceKey()
        #expect(try await service.evidenceKey().base64 == evidenceKey.base64)

        await #expect(throws: VaultError.wrongMasterKey) {
            try await CredentialService(store: store, box: SecretBox(master: .generate()), destinations: Destinations()).verifyMasterKey()
        }

        let next = SecretBox(master: .generate())
        #expect(try await service.rotate(to: next) == 1)
        let rotated = CredentialService(store: store, box: next, destinations: Destinations())
        try await rotated.verifyMasterKey()
        #expect(try rotated.secret("password", of: try await rotated.find(view.id)) == "pw-0123456789")
        // Rotation re-seals the evidence key, never replaces it: files sealed before still open.
        #expect(try await rotated.evidenceKey().base64 == evidenceKey.base64)
        await #expect(throws: VaultError.wrongMasterKey) { try await service.verifyMasterKey() }
    }
}
