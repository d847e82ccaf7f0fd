import Banks
import Foundation
import Integrations
import SQLKit
import Storage
import Testing
import Vault
import VigilTestSupport

/// Names that must be unique stay unique when two saves race: each service checks first, and the
/// database's unique index decides between saves at the same moment; the loser gets the same
/// "already taken" answer as a later caller, never a storage error (a 500).
@Suite struct NameRaceTests {
    @Test(arguments: Backend.allCases)
    func banksCreatedAtTheSameMomentUnderOneNameMakeOneBank(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let (service, database) = try await db.service()
        defer { Task { await database.close() } }
        let outcomes = await withTaskGroup(of: Result<Bank, any Error>.self) { group in
            for i in 0..<8 { group.addTask { await Result { try await service.createBank(NewBank(name: i % 2 == 0 ? "RACE" : "race")) } } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.filter { (try? $0.get()) != nil }.count == 1)
        for case let .failure(error) in outcomes {
            guard case BankError.alreadyExists = error else { Issue.record("a losing save failed with \(error)"); continue }
        }
        #expect(try await service.listBanks().filter { $0.name.lowercased() == "race" }.count == 1)
    }

    static let photoDNA = ["nickname": "prod", "subscription_key": "0123456789abcdef0123456789abcdef"]

    static func credentials(_ database: VigilDatabase) async throws -> CredentialService {
        let service = CredentialService(store: SQLCredentialStore(database: database), box: SecretBox(master: .generate()),
                                        destinations: AnyDestination(), probes: [])
        try await service.verifyMasterKey()
        return service
    }

    struct AnyDestination: CredentialDestinations {
        func check(_ integration: Integration, values: [String: String], resolving: Bool) async throws {}
    }

    @Test(arguments: Backend.allCases)
    func credentialsSavedAtTheSameMomentUnderOneNicknameMakeOne(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let database = try await VigilDatabase.open(db.location)
        defer { Task { await database.close() } }
        let service = try await Self.credentials(database)
        let outcomes = await withTaskGroup(of: Result<CredentialView, any Error>.self) { group in
            for i in 0..<8 {
                var values = Self.photoDNA
                values["nickname"] = i % 2 == 0 ? "prod" : "PROD"
                group.addTask { [values] in await Result { try await service.create(integration: "photodna", values: values, mayRedirect: true) } }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.filter { (try? $0.get()) != nil }.count == 1)
        for case let .failure(error) in outcomes {
            guard case CredentialService.Failure.nicknameTaken = error else { Issue.record("a losing save failed with \(error)"); continue }
        }
        #expect(try await service.list().count == 1)
    }

    /// A database an older version left with two credentials of one integration under one
    /// nickname (whatever its case, in any script) is not upgraded until they are told apart,
    /// and says which they are.
    @Test(arguments: Backend.allCases)
    func anUpgradeWithTwoCredentialsUnderOneNicknameSaysWhich(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let database = try await VigilDatabase.open(db.location)
        let service = try await Self.credentials(database)
        var first = Self.photoDNA
        first["nickname"] = "ÄRGER"
        _ = try await service.create(integration: "photodna", values: first, mayRedirect: true)
        var other = Self.photoDNA
        other["nickname"] = "staging"
        let second = try await service.create(integration: "photodna", values: other, mayRedirect: true)
        try await database.run { sql in
            try await sql.raw("DROP INDEX credentials_nickname").run()
            try await sql.raw("ALTER TABLE credentials DROP COLUMN nickname_key").run()
            let values = #"{"nickname":"ärger"}"#
            try await sql.raw("UPDATE credentials SET field_values = \(bind: values) WHERE id = \(bind: second.id)").run()
            try await sql.raw("DELETE FROM vigil_schema_migrations WHERE version >= 15").run()
        }
        await database.close()
        let refused = await #expect(throws: StorageError.self) { _ = try await VigilDatabase.open(db.location) }
        #expect(refused?.description.contains("these share one: photodna \"ärger\"") == true, "\(refused.map { "\($0)" } ?? "")")
    }

    /// An older database's credentials get their keys on upgrade, folded as the application
    /// folds them: afterwards the index refuses a nickname that differs only in case, in any
    /// script, even from a write that skipped the service's check.
    @Test(arguments: Backend.allCases)
    func anUpgradeKeysTheCredentialsThereAreAndTheIndexHoldsAfterwards(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        var database = try await VigilDatabase.open(db.location)
        let service = try await Self.credentials(database)
        var first = Self.photoDNA
        first["nickname"] = "ÄRGER"
        let kept = try await service.create(integration: "photodna", values: first, mayRedirect: true)
        _ = try await service.create(integration: "webhook", values: ["nickname": "hooks", "url": "https://hooks.example/x", "signing_secret": "s3cret-0123456789"],
                                     mayRedirect: true)
        try await database.run { sql in
            try await sql.raw("DROP INDEX credentials_nickname").run()
            try await sql.raw("ALTER TABLE credentials DROP COLUMN nickname_key").run()
            // And what the later versions added, so the database is as version 14 left it.
            try await sql.raw("DROP TABLE case_queues").run()
            try await sql.raw("ALTER TABLE cases DROP COLUMN title_key").run()
            try await sql.raw("ALTER TABLE accounts DROP COLUMN reference_key").run()
            try await sql.raw("DROP TABLE exposure_limits").run()
            for column in ["queues", "priority", "ended_at"] { try await sql.raw("ALTER TABLE media_reveals DROP COLUMN \(unsafeRaw: column)").run() }
            try await sql.raw("DROP TABLE refused_pages").run()
            for table in ["screened_signals", "retro_cursor", "retro_hits", "entry_feedback", "entry_matches", "list_votes", "entry_votes", "retro_rechecks"] {
                try await sql.raw("DROP TABLE \(unsafeRaw: table)").run()
            }
            try await sql.raw("ALTER TABLE bank_sources DROP COLUMN send_feedback").run()
            try await sql.raw("ALTER TABLE banks DROP COLUMN guards").run()
            try await sql.raw("ALTER TABLE banks DROP COLUMN deleting").run()
            try await sql.raw("ALTER TABLE jobs DROP COLUMN trace_context").run()
            try await sql.raw("ALTER TABLE events DROP COLUMN trace_context").run()
            try await sql.raw("DELETE FROM vigil_schema_migrations WHERE version >= 15").run()
        }
        await database.close()
        database = try await VigilDatabase.open(db.location)
        defer { Task { [database] in await database.close() } }
        let key = try await database.run { sql in
            try await sql.raw("SELECT nickname_key FROM credentials WHERE id = \(bind: kept.id)").first()?.decode(column: "nickname_key", as: String?.self)
        }
        #expect(key == "ärger")
        let store = SQLCredentialStore(database: database)
        let stored = try #require(try await store.credential(id: kept.id))
        var values = stored.values
        values["nickname"] = "ärger"
        let twin = Credential(id: "twin", integration: "photodna", values: values, secrets: stored.secrets, createdAt: Date(), updatedAt: Date())
        await #expect(throws: CredentialService.Failure.self) { try await store.insert(twin) }
    }
}
