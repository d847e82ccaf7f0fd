import Access
@testable import Banks
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
            for table in ["media_blobs", "sessions", "users", "lookup_tallies"] { try await sql.raw("DROP TABLE \(unsafeRaw: table)").run() }
            try await sql.raw("DROP TABLE api_keys").run()
            try await sql.raw("DROP TABLE bank_changes").run()
            try await sql.raw("DROP TABLE jobs").run()
            for table in ["retro_rechecks", "entry_votes", "list_votes", "entry_matches", "entry_feedback", "exposure_limits", "refused_pages", "screened_signals", "retro_cursor", "retro_hits", "case_queues", "report_history", "reports", "report_settings", "webhook_deliveries", "webhook_subscriptions", "media_reveals", "media", "account_history", "case_timeline", "case_evidence",
                          "case_accounts", "cases", "accounts", "case_templates", "events", "event_cursors", "bank_sources", "credentials", "vault", "audit_log", "workflow_steps", "workflow_runs", "workflow_versions", "workflows"] {
                try await sql.raw("DROP TABLE \(unsafeRaw: table)").run()
            }
            try await sql.raw("ALTER TABLE banks DROP COLUMN guards").run()
            try await sql.raw("ALTER TABLE banks DROP COLUMN deleting").run()
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

    /// Issue 29: `KNOWN_BAD`, `Known_Bad` and `known_bad` are one bank. A database that already
    /// holds two such names is not upgraded until they are told apart, and says which they are.
    @Test(arguments: Backend.allCases)
    func bankNamesDifferByMoreThanCase(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let (service, database) = try await db.service()
        let bank = try await service.createBank(NewBank(name: "KNOWN_BAD"))
        await #expect(throws: BankError.alreadyExists("known_bad")) { _ = try await service.createBank(NewBank(name: "known_bad")) }
        #expect(try await service.bank(named: "Known_Bad").id == bank.id)
        let other = try await service.createBank(NewBank(name: "OTHER"))
        var renamed = other
        renamed.name = "known_BAD"
        await #expect(throws: BankError.alreadyExists("known_BAD")) { _ = try await service.updateBank(renamed) }

        // As an older version left it: no index, two names that differ only in case.
        try await database.run { sql in
            try await sql.raw("DROP INDEX banks_name_folded").run()
            try await sql.raw("UPDATE banks SET name = 'known_bad' WHERE id = \(bind: other.id)").run()
            try await sql.raw("DELETE FROM vigil_schema_migrations WHERE version >= 14").run()
        }
        await database.close()
        let refused = await #expect(throws: StorageError.self) { _ = try await VigilDatabase.open(db.location) }
        #expect(refused?.description.contains("these do not: KNOWN_BAD, known_bad") == true, "\(refused.map { "\($0)" } ?? "")")
    }

    /// The entry holding a signal is found in the bank itself, snoozed or not, by any one of its
    /// signals (PDQ as stored: 32 bytes, most significant word first).
    @Test(arguments: Backend.allCases)
    func theEntryHoldingASignalIsFoundInTheBank(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let (service, database) = try await db.service()
        defer { Task { await database.close() } }
        let bank = try await service.createBank(NewBank(name: "HELD"))
        let other = try await service.createBank(NewBank(name: "ELSEWHERE"))
        var generator = HashGenerator(seed: 31)
        let pdq = generator.randomHash(), md5 = String(repeating: "c", count: 32)
        let id = try #require(try await service.addEntries([NewEntry(signals: EntrySignals(pdq: pdq, md5: md5), addedBy: "t")], to: bank).inserted.first?.entryID)
        _ = try await service.snooze(entryID: id, until: Date().addingTimeInterval(3600))
        #expect(try await service.entryID(holding: EntrySignals(pdq: pdq), in: bank) == id)
        #expect(try await service.entryID(holding: EntrySignals(md5: md5), in: bank) == id)
        #expect(try await service.entryID(holding: EntrySignals(pdq: generator.near(pdq, distance: 1)), in: bank) == nil, "exact signals only")
        #expect(try await service.entryID(holding: EntrySignals(pdq: pdq), in: other) == nil)
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
        let copy = generator.near(hash, distance: 5)
        try await service.addEntries([NewEntry(signals: EntrySignals(pdq: hash), addedBy: "t")], to: bad)
        try await service.addEntries([NewEntry(signals: EntrySignals(pdq: copy), addedBy: "t")], to: allow)
        // The near-duplicate the allow entry holds is suppressed, and says by which entry.
        let suppressed = service.match(MatchQuery(pdq: [copy]))
        #expect(!suppressed.isMatch && suppressed.suppressed.map(\.match.bank.name) == ["bad"] && suppressed.suppressed.map(\.by.bank.name) == ["fp"])
        #expect(suppressed.allowed.map(\.bank.name) == ["fp"])
        // The known hash itself is nearer to its match entry than to the allow entry: it matches.
        let exact = service.match(MatchQuery(pdq: [hash]))
        #expect(exact.isMatch && exact.suppressed.isEmpty && exact.allowed.map(\.bank.name) == ["fp"])
        // Out of the allow bank's threshold, the match stands.
        let far = generator.near(copy, distance: 14)  // 14 from the allow entry, at most 19 from the match entry
        let result = service.match(MatchQuery(pdq: [far]))
        #expect(result.isMatch && result.suppressed.isEmpty)
        // A disabled allow bank suppresses nothing.
        var disabled = allow
        disabled.enabled = false
        _ = try await service.updateBank(disabled)
        #expect(service.match(MatchQuery(pdq: [copy])).isMatch)
    }

    /// A batch large enough for PostgreSQL's bulk path (COPY straight into the table) that holds
    /// signals the bank already has, by PDQ, MD5 and SHA-256, and one repeated within itself:
    /// those are skipped, every new row is written once, and the old entries keep their ids.
    @Test(arguments: Backend.allCases)
    func aLargeBatchSkipsOnlyTheSignalsTheBankHolds(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let (service, database) = try await db.service()
        defer { Task { await database.close() } }
        let bank = try await service.createBank(NewBank(name: "b"))
        var generator = HashGenerator(seed: 6)
        let held = [
            NewEntry(signals: EntrySignals(pdq: generator.randomHash()), addedBy: "t"),
            NewEntry(signals: EntrySignals(md5: String(repeating: "a", count: 32)), addedBy: "t"),
            NewEntry(signals: EntrySignals(sha256: String(repeating: "b", count: 64)), addedBy: "t"),
        ]
        let heldIDs = try await service.addEntries(held, to: bank).inserted.map(\.entryID).sorted()
        // All new: written by the bulk path on PostgreSQL, with the ids and index rows it reserved.
        let first = (0..<1_100).map { _ in NewEntry(signals: EntrySignals(pdq: generator.randomHash()), addedBy: "t") }
        let firstOutcome = try await service.addEntries(first, to: bank)
        #expect(firstOutcome.inserted.count == 1_100 && firstOutcome.duplicates == 0)
        #expect(Set(firstOutcome.inserted.map(\.entryID)).isDisjoint(with: heldIDs))
        let fresh = (0..<2_000).map { _ in NewEntry(signals: EntrySignals(pdq: generator.randomHash()), addedBy: "t") }
        let heldPDQ = try #require(held[0].signals.pdq)
        let again = [
            NewEntry(signals: EntrySignals(pdq: heldPDQ), addedBy: "t"),
            NewEntry(signals: EntrySignals(pdq: generator.randomHash(), md5: String(repeating: "a", count: 32)), addedBy: "t"),
            NewEntry(signals: EntrySignals(pdq: generator.randomHash(), sha256: String(repeating: "b", count: 64)), addedBy: "t"),
        ]
        let batch = Array(fresh[..<700]) + [again[0]] + Array(fresh[700..<1400]) + [again[1], again[2]] + Array(fresh[1400...])
        let outcome = try await service.addEntries(batch, to: bank)
        #expect(outcome.inserted.count == 2_000 && outcome.duplicates == 3)
        #expect(try await service.store.entryCount(bankID: bank.id) == 3_103)
        let entries = try await service.store.entries(bankID: bank.id, afterID: 0, limit: 5_000)
        #expect(Set(entries.map(\.id)).count == 3_103)
        #expect(entries.filter { $0.signals.pdq == heldPDQ }.map(\.id) == [heldIDs[0]])
        // Sorted as an import sorts its batches, with one hash twice: the repeat is the duplicate.
        let more = (0..<1_500).map { _ in NewEntry(signals: EntrySignals(pdq: generator.randomHash()), addedBy: "t") }
        let sorted = (more + [more[42]]).sorted { ($0.signals.pdq ?? .zero) < ($1.signals.pdq ?? .zero) }
        let second = try await service.addEntries(sorted, to: bank)
        #expect(second.inserted.count == 1_500 && second.duplicates == 1)
        // The rows the index was given are the rows stored: a fresh index agrees with the live one.
        let restarted = BankService(store: service.store, index: MatchIndex())
        try await restarted.loadIndex()
        #expect(restarted.index.counts == service.index.counts)
        for probe in (first.prefix(50) + fresh.prefix(50) + more.prefix(50)).compactMap(\.signals.pdq) {
            let live = service.match(MatchQuery(pdq: [probe])).matches.map(\.entryID)
            #expect(live.count == 1 && live == restarted.match(MatchQuery(pdq: [probe])).matches.map(\.entryID))
        }
    }

    /// An import's batch (no rows returned) with signals the bank holds and one repeated within it:
    /// on SQLite each skipped row still uses up an id, so the rows written have gaps between them;
    /// the counts and the change log's runs name exactly the entries written, and the batch after
    /// it (nothing skipped, one run) too.
    @Test(arguments: Backend.allCases)
    func anImportBatchLogsExactlyTheEntriesItWrote(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let (service, database) = try await db.service()
        defer { Task { await database.close() } }
        let bank = try await service.createBank(NewBank(name: "imported"))
        var generator = HashGenerator(seed: 8)
        let held = (0..<3).map { _ in NewEntry(signals: EntrySignals(pdq: generator.randomHash()), addedBy: "t") }
        _ = try await service.addEntries(held, to: bank)
        let fresh = (0..<2_500).map { _ in NewEntry(signals: EntrySignals(pdq: generator.randomHash(), pdqQuality: 90), addedBy: "import") }
        let batch = (Array(fresh[..<900]) + [held[0], fresh[5]] + Array(fresh[900..<2_100]) + [held[1]] + Array(fresh[2_100...]) + [held[2]])
            .sorted { ($0.signals.pdq ?? .zero) < ($1.signals.pdq ?? .zero) }
        let outcome = try await service.store.applyBatch(bankID: bank.id, insert: batch, deleteExternalIDs: [], at: Date(), returningRows: false)
        #expect(outcome.insertedCount == 2_500 && outcome.duplicates == 4)
        let more = (0..<1_200).map { _ in NewEntry(signals: EntrySignals(pdq: generator.randomHash()), addedBy: "import") }
        let second = try await service.store.applyBatch(bankID: bank.id, insert: more, deleteExternalIDs: [], at: Date(), returningRows: false)
        #expect(second.insertedCount == 1_200 && second.duplicates == 0)

        let stored = try await service.store.entries(bankID: bank.id, afterID: 0, limit: 5_000).map(\.id)
        let logged = try await database.run { sql in
            try await sql.raw("SELECT entry_runs FROM bank_changes WHERE entry_runs IS NOT NULL ORDER BY seq").all()
                .map { try $0.decode(column: "entry_runs", as: String.self) }
        }
        #expect(logged.count == 3)
        // The import's batch skipped rows between others: its ids are several runs.
        #expect(logged.dropFirst().first?.contains(",") == true)
        let loggedIDs = try logged.flatMap { try $0.split(separator: ",").flatMap { run -> ClosedRange<Int64> in
            let bounds = run.split(separator: "-").compactMap { Int64($0) }
            try #require(bounds.count == 2)
            return bounds[0]...bounds[1]
        } }
        let loggedExactly = loggedIDs == stored
        #expect(loggedExactly, "the change log names \(loggedIDs.count) entries, the bank holds \(stored.count)")
        // Another process following the log alone holds what a fresh load does.
        let (follower, followerDatabase) = try await db.service()
        defer { Task { await followerDatabase.close() } }
        try await service.syncIndex()
        #expect(service.index.counts.pdq == 3_703)
        try await follower.loadIndex()
        #expect(follower.index.counts == service.index.counts)
    }

    /// SQLite binds a column once for a statement when its rows agree and once a row otherwise:
    /// every column of every row is stored as given either way (statements of 1 000 rows: the
    /// first rows all alike but for their hashes, the rest each different).
    @Test(arguments: Backend.allCases)
    func everyColumnOfAnImportIsStoredAsGiven(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let (service, database) = try await db.service()
        defer { Task { await database.close() } }
        let bank = try await service.createBank(NewBank(name: "columns"))
        var generator = HashGenerator(seed: 9)
        let alike = (0..<1_000).map { _ in NewEntry(signals: EntrySignals(pdq: generator.randomHash(), pdqQuality: 80), addedBy: "import") }
        // 2 301 rows: the last statement has one row, every column bound once.
        let varied = (0..<1_301).map { (i: Int) -> NewEntry in
            let signals = EntrySignals(pdq: i % 3 == 0 ? nil : generator.randomHash(), pdqQuality: i % 3 == 0 ? nil : 50 + i % 50,
                                       md5: i % 2 == 0 ? String(format: "%032x", i) : nil,
                                       sha256: i % 3 == 0 ? String(format: "%064x", i) : nil)
            let metadata = EntryMetadata(externalID: i % 4 == 0 ? "list-\(i)" : nil, source: i % 5 == 0 ? "source \(i)" : nil,
                                         extra: i % 7 == 0 ? ["case": "c\(i)"] : [:])
            let until: Date? = i % 6 == 0 ? Date(timeIntervalSince1970: Double(2_000_000_000 + i)) : nil
            return NewEntry(signals: signals, metadata: metadata, disabledUntil: until, addedBy: i % 2 == 0 ? "importer" : "curator \(i)")
        }
        let outcome = try await service.store.applyBatch(bankID: bank.id, insert: alike + varied, deleteExternalIDs: [],
                                                         at: Date(timeIntervalSince1970: 1_800_000_000), returningRows: false)
        #expect(outcome.insertedCount == 2_301)
        let stored = try await service.store.entries(bankID: bank.id, afterID: 0, limit: 3_000)
        try #require(stored.count == 2_301)
        for (entry, given) in zip(stored, alike + varied) {
            #expect(entry.signals == given.signals)
            #expect(entry.metadata.externalID == given.metadata.externalID && entry.metadata.source == given.metadata.source)
            #expect(entry.metadata.extra == given.metadata.extra)
            #expect(entry.addedBy == given.addedBy && entry.disabledUntil == given.disabledUntil)
            #expect(entry.addedAt == Date(timeIntervalSince1970: 1_800_000_000) && entry.bankID == bank.id)
        }
    }

    /// A digest that is not lowercase hex, late in an import's batch: the batch is refused with
    /// the reason, and nothing of it is written or logged.
    @Test(arguments: Backend.allCases)
    func anImportBatchWithABadDigestWritesNothing(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let (service, database) = try await db.service()
        defer { Task { await database.close() } }
        let bank = try await service.createBank(NewBank(name: "digests"))
        var generator = HashGenerator(seed: 10)
        var rows = (0..<1_500).map { _ in NewEntry(signals: EntrySignals(pdq: generator.randomHash()), addedBy: "import") }
        rows[1_200] = NewEntry(signals: EntrySignals(md5: String(repeating: "A", count: 32)), addedBy: "import")
        let changesBefore = try await database.run { sql in
            try await sql.raw("SELECT count(*) AS n FROM bank_changes").first()?.decode(column: "n", as: Int.self)
        }
        await #expect(throws: BankError.invalid("md5 and sha256 must be lowercase hex digests")) {
            _ = try await service.store.applyBatch(bankID: bank.id, insert: rows, deleteExternalIDs: [], at: Date(), returningRows: false)
        }
        #expect(try await service.store.entryCount(bankID: bank.id) == 0)
        let changesAfter = try await database.run { sql in
            try await sql.raw("SELECT count(*) AS n FROM bank_changes").first()?.decode(column: "n", as: Int.self)
        }
        #expect(changesAfter == changesBefore)
    }

    /// Nothing but the writer ties an entry to its bank on PostgreSQL (migration 11): a batch for a
    /// bank deleted meanwhile is refused and writes nothing.
    @Test(arguments: Backend.allCases)
    func aBatchForADeletedBankWritesNothing(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let (service, database) = try await db.service()
        defer { Task { await database.close() } }
        let bank = try await service.createBank(NewBank(name: "gone"))
        var generator = HashGenerator(seed: 7)
        try await service.addEntries([NewEntry(signals: EntrySignals(pdq: generator.randomHash()), addedBy: "t")], to: bank)
        try await service.deleteBank(named: "gone")
        let rows = (0..<1_200).map { _ in NewEntry(signals: EntrySignals(pdq: generator.randomHash()), addedBy: "t") }
        await #expect(throws: BankError.notFound("bank \(bank.id)")) {
            _ = try await service.store.applyBatch(bankID: bank.id, insert: rows, deleteExternalIDs: [], at: Date(), returningRows: false)
        }
        let orphans = try await database.run { sql in
            try await sql.raw("SELECT count(*) AS n FROM bank_entries WHERE bank_id = \(bind: bank.id)").first()?.decode(column: "n", as: Int.self)
        }
        #expect(orphans == 0)
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
        // The verifier is the lowercase hex SHA-256 of the secret: keys stored by any earlier
        // version keep verifying (this value is Python's hashlib.sha256(...).hexdigest()).
        #expect(KeySecret.digest("vgl_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA") == "c19bb5c30cc405104b291ff347c6566b5165ca986883683e00dc19070597e7fd")
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
