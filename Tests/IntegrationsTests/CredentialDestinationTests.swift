import Foundation
import Integrations
import Storage
import Synchronization
import Testing
import Vault
import VigilTestSupport

/// Who may send a stored secret where: a credential's endpoint, environment and user change only
/// with the admin role and the secret given again, a fixed service's credential stays on its
/// service's hosts unless an admin points it elsewhere, and every save, test and use checks the
/// destination rules.
@Suite(.serialized) struct CredentialDestinationTests {
    struct CountingProbe: CredentialProbe {
        let integration = "ncmec_cybertipline"
        let calls = Counter()
        func probe(_ credential: OpenedCredential) async -> CredentialTestResult {
            calls.add()
            return CredentialTestResult(ok: true, summary: "called")
        }
    }

    final class Counter: Sendable {
        private let value = Atomic<Int>(0)
        func add() { value.add(1, ordering: .relaxed) }
        var count: Int { value.load(ordering: .relaxed) }
    }

    static let ncmec = ["nickname": "n", "username": "esp-user", "password": "pw-0123456789", "environment": "production"]

    func service(_ destinations: Destinations = Destinations(), probe: CountingProbe = CountingProbe()) async throws -> (CredentialService, VigilDatabase) {
        let db = try TestDatabase.make(.sqlite)
        let database = try await VigilDatabase.open(db.location)
        let service = CredentialService(store: SQLCredentialStore(database: database), box: SecretBox(master: .generate()),
                                        destinations: destinations, probes: [probe])
        try await service.verifyMasterKey()
        return (service, database)
    }

    /// The analyst's attack of issue 28: PATCH an NCMEC credential's endpoint to their own server.
    @Test func movingACredentialTakesAnAdminAndTheSecretAgain() async throws {
        let (service, database) = try await service()
        defer { Task { await database.close() } }
        let view = try await service.create(integration: "ncmec_cybertipline", values: Self.ncmec, mayRedirect: false)

        for change in [["endpoint": "https://attacker.example/ispws"], ["environment": "test"], ["username": "someone-else"]] {
            await #expect(throws: CredentialService.Failure.self) { try await service.update(id: view.id, values: change, mayRedirect: false) }
            do {
                _ = try await service.update(id: view.id, values: change, mayRedirect: false)
            } catch let CredentialService.Failure.needsAdmin(message) {
                #expect(message.contains(change.keys.first ?? "?") && message.contains("only an admin"))
            }
            // An admin too must give the password again: a stored secret never moves on its own.
            do {
                _ = try await service.update(id: view.id, values: change, mayRedirect: true)
                Issue.record("\(change) was saved without the password")
            } catch let CredentialService.Failure.invalid(message) {
                #expect(message.contains("password") && message.contains("given again"))
            }
        }
        #expect(try await service.find(view.id).values["environment"] == "production")
        #expect(try await service.find(view.id).values["endpoint"] == nil)

        // A nickname or a new password moves nothing: any credential manager may change them.
        let renamed = try await service.update(id: view.id, values: ["nickname": "renamed", "password": "pw-new-0987654321"], mayRedirect: false)
        #expect(renamed.changedFields == ["nickname", "password"])

        let moved = try await service.update(id: view.id, values: ["environment": "test", "password": "pw-again-55555"], mayRedirect: true)
        #expect(moved.changedFields == ["environment", "password"] && moved.view.values["environment"] == "test")
    }

    /// An analyst may make NCMEC and PhotoDNA credentials for the services' own hosts only.
    @Test func aFixedServiceStaysOnItsHostsUnlessAnAdminSaysOtherwise() async throws {
        let (service, database) = try await service()
        defer { Task { await database.close() } }
        var values = Self.ncmec
        values["endpoint"] = "https://report.cybertip.org/ispws"
        _ = try await service.create(integration: "ncmec_cybertipline", values: values, mayRedirect: false)
        values["endpoint"] = "https://collector.example/ispws"
        values["nickname"] = "elsewhere"
        do {
            _ = try await service.create(integration: "ncmec_cybertipline", values: values, mayRedirect: false)
            Issue.record("an analyst pointed an NCMEC credential at another host")
        } catch let CredentialService.Failure.needsAdmin(message) {
            // The service's hosts are named; the URL given is not repeated (the message reaches the audit log).
            #expect(message.contains("report.cybertip.org") && !message.contains("collector.example"), "\(message)")
        }
        _ = try await service.create(integration: "ncmec_cybertipline", values: values, mayRedirect: true)
        // A webhook lives wherever its user says: no admin needed to make one.
        _ = try await service.create(integration: "webhook", values: ["nickname": "w", "url": "https://hooks.example/x", "signing_secret": "whsec-1"],
                                     mayRedirect: false)
    }

    /// Saving, testing and using all ask the rules; a refused test calls nobody and says why.
    @Test func everySaveTestAndUseAsksTheRules() async throws {
        let rules = Destinations(refused: ["blocked.example"])
        let probe = CountingProbe()
        let (service, database) = try await service(rules, probe: probe)
        defer { Task { await database.close() } }
        var values = Self.ncmec
        values["endpoint"] = "https://blocked.example/ispws"
        do {
            _ = try await service.create(integration: "ncmec_cybertipline", values: values, mayRedirect: true)
            Issue.record("a refused endpoint was saved")
        } catch let CredentialService.Failure.refused(refusal) {
            #expect(refusal.field == "endpoint" && refusal.reason.contains("blocked.example"))
        }
        #expect(try await service.list().isEmpty)
        #expect(rules.checks.last?.resolving == true)

        // A credential stored before the rule refused its host (another process's settings, an
        // older version) is refused when it is tested or opened for a call.
        let store = SQLCredentialStore(database: database)
        let created = try await service.create(integration: "ncmec_cybertipline", values: Self.ncmec, mayRedirect: false)
        var stored = try await service.find(created.id)
        stored.values["endpoint"] = "https://blocked.example/ispws"
        #expect(try await store.update(stored))
        let result = try await service.test(id: created.id)
        #expect(!result.ok && result.summary.contains("Nothing was sent") && result.summary.contains("blocked.example"))
        #expect(probe.calls.count == 0)
        await #expect(throws: CredentialService.Failure.self) { try await service.open(id: created.id) }
        #expect(rules.checks.last?.resolving == false)
        // A bank source's own list is checked as the credential's endpoint is.
        await #expect(throws: CredentialService.Failure.self) {
            try await service.checkDestinations(ofCredential: created.id, overriding: ["endpoint": "https://blocked.example/hashsharing"])
        }
    }
}
