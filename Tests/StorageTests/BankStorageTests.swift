import Access
import Banks
import Foundation
import PDQ
import Storage
import Testing
import VigilTestSupport

@Suite(.serialized) struct BankStorageTests {
    @Test(arguments: Backend.allCases)
    func migrationsRunFromEmptyAndRefuseANewerSchema(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let first = try await VigilDatabase.open(db.location)
        #expect(try await first.schemaVersion() == VigilDatabase.latestSchemaVersion)
        await first.close()
        let again = try await VigilDatabase.open(db.location)
        #expect(try await again.schemaVersion() == VigilDatabase.latestSchemaVersion)
        try await again.run { sql in
            try await sql.raw("INSERT INTO vigil_schema_migrations (version, name, applied_at) VALUES (99, 'future', 0)").run()
        }
        await again.close()
        await #expect(throws: StorageError.schemaTooNew(database: 99, binary: VigilDatabase.latestSchemaVersion)) {
            _ = try await VigilDatabase.open(db.location)
        }
    }

    /// A database made by the previous release (schema 1, banks only) gains the keys table on
    /// the next start and keeps its banks.
    @Test(arguments: Backend.allCases)
    func aVersionOneDatabaseIsUpgraded(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let (service, database) = try await db.service()
        _ = try await service.createBank(NewBank(name: "kept"))
        try await database.run { sql in
            for table in ["sessions", "users", "lookup_tallies"] { try await sql.raw("DROP TABLE \(unsafeRaw: table)").run() }
            try await sql.raw("DROP TABLE api_keys").run()
            try await sql.raw("DROP TABLE bank_changes").run()
            try await sql.raw("DROP TABLE jobs").run()
            for table in ["report_history", "reports", "report_settings", "webhook_deliveries", "webhook_subscriptions", "media_reveals", "media", "account_history", "case_timeline", "case_evidence",
                          "case_accounts", "cases", "accounts", "case_templates", "events", "event_cursors", "bank_sources", "credentials", "vault", "audit_log", "workflow_steps", "workflow_runs", "workflow_versions", "workflows"] {
                try await sql.raw("DROP TABLE \(unsafeRaw: table)").run()
            }
            try await sql.raw("DELETE FROM vigil_schema_migrations WHERE version >= 2").run()
        }
        #expect(try await database.schemaVersion() == 1)
        await database.close()
        let (upgraded, reopened) = try await db.service()
        #expect(try await reopened.schemaVersion() == VigilDatabase.latestSchemaVersion)
        #expect(try await upgraded.listBanks().map(\.name) == ["kept"])
        let keys = KeyService(store: SQLKeyStore(database: reopened))
        let issued = try await keys.issue(role: .admin, label: "after upgrade")
        #expect(try await keys.authenticate(issued.secret)?.id == issued.key.id)
        await reopened.close()
    }

    @Test(arguments: Backend.allCases)
    func bankLifecycle(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let (service, database) = try await db.service()
        defer { Task { await database.close() } }
        let bank = try await service.createBank(NewBank(name: "known_bad", description: "d", labels: ["A1", "verified"]))
        #expect(bank.kind == .match && bank.enabled && bank.pdqThreshold == 31 && bank.categories == ["A1"])
        await #expect(throws: BankError.alreadyExists("known_bad")) { _ = try await service.createBank(NewBank(name: "known_bad")) }
        await #expect(throws: BankError.self) { _ = try await service.createBank(NewBank(name: "bad name!")) }
        await #expect(throws: BankError.self) { _ = try await service.createBank(NewBank(name: "x", pdqThreshold: 300)) }
        var changed = bank
        changed.enabled = false
        changed.pdqThreshold = 20
        let updated = try await service.updateBank(changed)
        #expect(!updated.enabled && updated.pdqThreshold == 20)
        #expect(try await service.listBanks().map(\.name) == ["known_bad"])
        try await service.addEntries([NewEntry(signals: EntrySignals(md5: String(repeating: "a", count: 32)), addedBy: "t")], to: bank)
        try await service.deleteBank(named: "known_bad")
        #expect(try await service.listBanks().isEmpty)
        await #expect(throws: BankError.notFound("bank \"known_bad\"")) { _ = try await service.bank(named: "known_bad") }
    }

    @Test(arguments: Backend.allCases)
    func addingTheSameSignalTwiceIsIdempotent(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let (service, database) = try await db.service()
        defer { Task { await database.close() } }
        let bank = try await service.createBank(NewBank(name: "b"))
        var generator = HashGenerator(seed: 1)
        let hash = generator.randomHash()
        let entry = NewEntry(signals: EntrySignals(pdq: hash, pdqQuality: 90), addedBy: "t")
        let first = try await service.addEntries([entry, entry], to: bank)
        let second = try await service.addEntries([entry], to: bank)
        #expect(first.inserted.count == 1 && first.duplicates == 1)
        #expect(second.inserted.isEmpty && second.duplicates == 1)
        #expect(try await service.store.entryCount(bankID: bank.id) == 1)
        #expect(service.match(MatchQuery(pdq: [hash])).matches.count == 1)
    }

    @Test(arguments: Backend.allCases)
    func snoozedEntriesDoNotMatchUntilTheyWake(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let (service, database) = try await db.service()
        defer { Task { await database.close() } }
        let bank = try await service.createBank(NewBank(name: "b"))
        var generator = HashGenerator(seed: 2)
        let hash = generator.randomHash()
        let id = try await service.addEntries([NewEntry(signals: EntrySignals(pdq: hash), addedBy: "t")], to: bank).inserted[0].entryID
        _ = try await service.snooze(entryID: id, until: Date().addingTimeInterval(3600))
        #expect(service.match(MatchQuery(pdq: [hash])).matches.isEmpty)
        // A restart keeps the snooze.
        let reloaded = BankService(store: service.store, index: MatchIndex())
        try await reloaded.loadIndex()
        #expect(reloaded.match(MatchQuery(pdq: [hash])).matches.isEmpty)
        #expect(reloaded.index.match(MatchQuery(pdq: [hash]), now: Date().addingTimeInterval(7200)).matches.count == 1)
        _ = try await service.snooze(entryID: id, until: nil)
        #expect(service.match(MatchQuery(pdq: [hash])).matches.count == 1)
    }

    @Test(arguments: Backend.allCases)
    func allowBankHitsSuppressMatchesAndSaySo(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let (service, database) = try await db.service()
        defer { Task { await database.close() } }
        let bad = try await service.createBank(NewBank(name: "bad"))
        let allow = try await service.createBank(NewBank(name: "fp", kind: .allow, pdqThreshold: 10))
        var generator = HashGenerator(seed: 3)
        let hash = generator.randomHash()
        try await service.addEntries([NewEntry(signals: EntrySignals(pdq: hash), addedBy: "t")], to: bad)
        try await service.addEntries([NewEntry(signals: EntrySignals(pdq: generator.near(hash, distance: 5)), addedBy: "t")], to: allow)
        let suppressed = service.match(MatchQuery(pdq: [hash]))
        #expect(!suppressed.isMatch && suppressed.suppressed.map(\.bank.name) == ["bad"] && suppressed.allowedBy.map(\.bank.name) == ["fp"])
        // Out of the allow bank's threshold, the match stands.
        let far = generator.near(hash, distance: 20)
        let result = service.match(MatchQuery(pdq: [far]))
        #expect(result.isMatch && result.suppressed.isEmpty)
        // A disabled allow bank suppresses nothing.
        var disabled = allow
        disabled.enabled = false
        _ = try await service.updateBank(disabled)
        #expect(service.match(MatchQuery(pdq: [hash])).isMatch)
    }

    @Test(arguments: Backend.allCases)
    func aFailedBatchLeavesTheBankAsItWas(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let (service, database) = try await db.service()
        defer { Task { await database.close() } }
        let bank = try await service.createBank(NewBank(name: "b"))
        var generator = HashGenerator(seed: 4)
        let kept = generator.randomHash()
        try await service.addEntries([NewEntry(signals: EntrySignals(pdq: kept), addedBy: "t")], to: bank)
        // The second row breaks a CHECK constraint, so the database refuses the whole batch.
        let good = NewEntry(signals: EntrySignals(pdq: generator.randomHash()), addedBy: "t")
        let broken = NewEntry(signals: EntrySignals(pdq: generator.randomHash(), pdqQuality: 150), addedBy: "t")
        await #expect(throws: (any Error).self) { try await service.addEntries([good, broken], to: bank) }
        #expect(try await service.store.entryCount(bankID: bank.id) == 1)
        let goodPDQ = try #require(good.signals.pdq)
        #expect(service.match(MatchQuery(pdq: [goodPDQ])).matches.isEmpty)
        #expect(service.match(MatchQuery(pdq: [kept])).matches.count == 1)
    }

    @Test(arguments: Backend.allCases)
    func indexLoadedAtStartMatchesWhatWasWritten(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let (service, database) = try await db.service()
        defer { Task { await database.close() } }
        let bank = try await service.createBank(NewBank(name: "b"))
        var generator = HashGenerator(seed: 5)
        let hashes = generator.clustered(count: 12_000)
        let entries = hashes.enumerated().map { i, h in
            NewEntry(signals: EntrySignals(pdq: h, md5: i % 3 == 0 ? String(format: "%032x", i) : nil), addedBy: "t")
        }
        let outcome = try await service.addEntries(entries, to: bank)
        let restarted = BankService(store: service.store, index: MatchIndex())
        try await restarted.loadIndex()
        #expect(restarted.index.counts == service.index.counts)
        #expect(restarted.index.counts.pdq == outcome.inserted.count)
        for probe in hashes.prefix(200) {
            let a = Set(service.match(MatchQuery(pdq: [probe])).matches.map(\.entryID))
            let b = Set(restarted.match(MatchQuery(pdq: [probe])).matches.map(\.entryID))
            #expect(a == b && !a.isEmpty)
        }
        #expect(restarted.match(MatchQuery(md5: String(format: "%032x", 3))).matches.count == 1)
    }
}

@Suite("API keys in storage")
struct KeyStorageTests {
    @Test("keys are stored as digests, found by digest, and revoked", arguments: Backend.allCases)
    func keyLifecycle(_ backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let database = try await VigilDatabase.open(db.location)
        defer { Task { await database.close() } }
        let keys = KeyService(store: SQLKeyStore(database: database), cacheLifetime: .zero)
        #expect(try await keys.count() == 0)
        let issued = try await keys.issue(role: .curator, label: "ingest job")
        #expect(KeySecret.isWellFormed(issued.secret))
        #expect(issued.key.prefix == String(issued.secret.prefix(10)))

        // The secret itself is nowhere in the table.
        let stored = try await database.run { sql in
            try await sql.raw("SELECT digest, prefix, label FROM api_keys").all().map { try $0.decode(column: "digest", as: String.self) }
        }
        #expect(stored == [KeySecret.digest(issued.secret)])
        #expect(!stored[0].contains(issued.secret))

        #expect(try await keys.authenticate(issued.secret)?.role == .curator)
        #expect(try await keys.authenticate(KeySecret.generate()) == nil)
        #expect(try await keys.authenticate("not a key") == nil)
        let revoked = try await keys.revoke(id: issued.key.id)
        #expect(revoked.revokedAt != nil)
        #expect(try await keys.authenticate(issued.secret) == nil)
        await #expect(throws: AccessError.self) { _ = try await keys.revoke(id: 9999) }
        #expect(try await keys.list().map(\.label) == ["ingest job"])
    }
}
