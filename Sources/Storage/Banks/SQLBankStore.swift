public import Banks
public import Foundation
import NIOCore
import PDQ
import PostgresKit
import SQLKit
import SQLiteKit

/// `BankStore` on SQLKit, for SQLite and PostgreSQL alike.
public struct SQLBankStore: BankStore {
    public let database: VigilDatabase

    public init(database: VigilDatabase) {
        self.database = database
    }

    static let bankColumns = "id, name, description, kind, enabled, pdq_threshold, labels, guards, deleting, created_at, updated_at"
    static let entryColumns = "id, bank_id, pdq, pdq_quality, md5, sha256, external_id, metadata, disabled_until, added_by, added_at"

    /// A transaction that writes banks or entries: it takes the change-log lock first and wakes
    /// the followers at commit.
    func changeTransaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await connectionChangeTransaction { connection in try await body(connection.sql) }
    }

    func connectionChangeTransaction<T: Sendable>(_ body: @Sendable (VigilDatabase.Connection) async throws -> T) async throws -> T {
        let dialect = database.dialect
        return try await database.connectionTransaction { connection in
            try await ChangeLogSQL.lock(connection.sql, dialect)
            let result = try await body(connection)
            try await ChangeLogSQL.notify(connection.sql, dialect)
            return result
        }
    }

    // MARK: banks

    public func createBank(_ bank: NewBank, at time: Date) async throws -> Bank {
        let labels = try JSONCoding.encode(bank.labels)
        let guards = try JSONCoding.encode(bank.guards)
        let ms = time.millisecondsSince1970
        // A name another bank took (whatever its case) after the service checked it is the same
        // answer as one taken before.
        return try await UniqueViolation.answering(BankError.alreadyExists(bank.name)) { try await changeTransaction { sql in
            guard let row = try await sql.raw("""
                INSERT INTO banks (name, description, kind, enabled, pdq_threshold, labels, guards, created_at, updated_at)
                VALUES (\(bind: bank.name), \(bind: bank.description), \(bind: bank.kind.rawValue), \(bind: bank.enabled),
                        \(bind: bank.pdqThreshold), \(bind: labels), \(bind: guards), \(bind: ms), \(bind: ms))
                RETURNING \(unsafeRaw: Self.bankColumns)
                """).first() else { throw StorageError.corruptRow("INSERT returned no bank") }
            let created = try Self.bank(row)
            try await ChangeLogSQL.append(sql, .bankCreated, bankID: created.id)
            return created
        } }
    }

    public func listBanks() async throws -> [Bank] {
        try await database.run { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.bankColumns) FROM banks ORDER BY name").all().map(Self.bank)
        }
    }

    public func bank(named name: String) async throws -> Bank? {
        try await database.run { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.bankColumns) FROM banks WHERE lower(name) = lower(\(bind: name))").first().map(Self.bank)
        }
    }

    public func updateBank(_ bank: Bank) async throws -> Bank {
        let labels = try JSONCoding.encode(bank.labels)
        let guards = try JSONCoding.encode(bank.guards)
        let ms = Date().millisecondsSince1970
        return try await UniqueViolation.answering(BankError.alreadyExists(bank.name)) { try await changeTransaction { sql in
            guard let current = try await sql.raw("SELECT enabled, deleting FROM banks WHERE id = \(bind: bank.id)").first() else {
                throw BankError.notFound("bank \"\(bank.name)\"")
            }
            // Checked under the change-log lock the deletion's own transactions take: a bank whose
            // deletion has begun is never enabled (a live bank half its entries gone) nor changed.
            if try current.decode(column: "deleting", as: Bool.self) { throw BankError.beingDeleted(bank.name) }
            let wasDisabled = try !current.decode(column: "enabled", as: Bool.self)
            guard let row = try await sql.raw("""
                UPDATE banks SET name = \(bind: bank.name), description = \(bind: bank.description), kind = \(bind: bank.kind.rawValue),
                    enabled = \(bind: bank.enabled), pdq_threshold = \(bind: bank.pdqThreshold), labels = \(bind: labels), guards = \(bind: guards),
                    updated_at = \(bind: ms)
                WHERE id = \(bind: bank.id)
                RETURNING \(unsafeRaw: Self.bankColumns)
                """).first() else { throw BankError.notFound("bank \"\(bank.name)\"") }
            if wasDisabled, bank.enabled {
                // Its entries can match again: the retroactive check looks at them again.
                try await sql.raw("""
                    INSERT INTO retro_rechecks (entry_id, queued_at) SELECT id, \(bind: ms) FROM bank_entries WHERE bank_id = \(bind: bank.id)
                    ON CONFLICT (entry_id) DO UPDATE SET queued_at = excluded.queued_at
                    """).run()
            }
            try await ChangeLogSQL.append(sql, .bankUpdated, bankID: bank.id)
            return try Self.bank(row)
        } }
    }

    /// A deleted bank's entries go this many a transaction before the bank itself.
    static let deletionBatch = 50_000

    public func deleteBank(id: Int64) async throws {
        try await deleteBank(id: id, batch: Self.deletionBatch)
    }

    /// In one transaction, deleting a 10M-entry bank held SQLite's only writer for 47 s, every
    /// other write (a lookup's match commit) waiting behind it. The bank is disabled first (every
    /// replica stops matching it at once, and a deletion stopped half way leaves an inert bank, not
    /// a live half-empty one; deleting it again finishes) and marked (`deleting`: from then on it
    /// takes no entries and no changes, and its export is refused). Then its entries go `batch` a
    /// transaction, in id order, each batch logging its removals as the one transaction did; the
    /// last transaction deletes the bank, and anything left with it.
    func deleteBank(id: Int64, batch: Int) async throws {
        precondition(batch > 0, "a deletion batch holds at least one entry")
        try await disableForDeletion(bankID: id)
        let end = try await database.run { sql in
            try await sql.raw("SELECT max(id) AS last FROM bank_entries WHERE bank_id = \(bind: id)").first()?
                .decode(column: "last", as: Int64?.self)
        }
        var after: Int64 = 0
        while let end, let last = try await nextDeletionBatch(ofBank: id, after: after, through: end, batch: batch) {
            try await deleteEntries(ofBank: id, after: after, through: last)
            after = last
        }
        try await changeTransaction { sql in
            // Every entry left (ids are positive), as a batch deletes them.
            try await Self.deleteEntryRows(sql, ofBank: id, after: 0, through: .max)
            try await sql.raw("DELETE FROM banks WHERE id = \(bind: id)").run()
            try await ChangeLogSQL.append(sql, .bankDeleted, bankID: id)
        }
    }

    /// Disables the bank and marks its deletion begun, its change logged for the replicas (unless
    /// it was marked already).
    func disableForDeletion(bankID: Int64) async throws {
        let ms = Date().millisecondsSince1970
        try await changeTransaction { sql in
            let changed = try await sql.raw("""
                UPDATE banks SET enabled = \(bind: false), deleting = \(bind: true), updated_at = \(bind: ms)
                WHERE id = \(bind: bankID) AND (enabled = \(bind: true) OR deleting = \(bind: false)) RETURNING id
                """).all()
            if !changed.isEmpty { try await ChangeLogSQL.append(sql, .bankUpdated, bankID: bankID) }
        }
    }

    /// The highest id of the bank's next `batch` entries above `after` (up to `end`), or nil when
    /// fewer are left: those go with the bank. Read before the write transaction: with no index on
    /// (bank_id, id) it walks other banks' rows too, which need not hold the writer.
    func nextDeletionBatch(ofBank bankID: Int64, after: Int64, through end: Int64, batch: Int) async throws -> Int64? {
        try await database.run { sql in
            guard let row = try await sql.raw("""
                SELECT count(*) AS n, max(id) AS last FROM (
                    SELECT id FROM bank_entries WHERE bank_id = \(bind: bankID) AND id > \(bind: after) AND id <= \(bind: end)
                    ORDER BY id LIMIT \(bind: batch)
                ) AS next_batch
                """).first() else { throw StorageError.corruptRow("the next entries of bank \(bankID) returned no row") }
            guard try row.decode(column: "n", as: Int.self) == batch else { return nil }
            return try row.decode(column: "last", as: Int64.self)
        }
    }

    /// Deletes the bank's entries with ids in (`after`, `last`], with their removals logged and
    /// their match totals.
    func deleteEntries(ofBank bankID: Int64, after: Int64, through last: Int64) async throws {
        try await changeTransaction { sql in try await Self.deleteEntryRows(sql, ofBank: bankID, after: after, through: last) }
    }

    /// The statements of `deleteEntries`, in the caller's change transaction.
    static func deleteEntryRows(_ sql: any SQLDatabase, ofBank bankID: Int64, after: Int64, through last: Int64) async throws {
        try await ChangeLogSQL.appendRemovals(sql, where: "bank_id = \(bind: bankID) AND id > \(bind: after) AND id <= \(bind: last)")
        try await sql.raw("DELETE FROM entry_matches WHERE entry_id > \(bind: after) AND entry_id <= \(bind: last) AND bank_id = \(bind: bankID)").run()
        try await sql.raw("DELETE FROM bank_entries WHERE bank_id = \(bind: bankID) AND id > \(bind: after) AND id <= \(bind: last)").run()
    }

    // MARK: entries

    public func applyBatch(bankID: Int64, insert entries: [NewEntry], deleteExternalIDs: [String], at time: Date,
                           returningRows: Bool, checkpoint: @Sendable (BatchOutcome) throws -> BatchCheckpoint?) async throws -> BatchOutcome {
        let ms = time.millisecondsSince1970
        // Rows are written in the order given: entry ids follow it (an import sorts its batches).
        // Rows without external ids need no reconciling: they are converted as they are written
        // (on SQLite a statement at a time while SQLite writes the one before; on PostgreSQL a row
        // at a time into COPY), not all before the first (a million rows' conversion kept the
        // database idle between an import's batches).
        let deferred = !entries.contains { $0.metadata.externalID != nil }
        // Refused before the transaction begins, either way: not after a million rows are written.
        if deferred { for entry in entries { try EntryBinds.checkDigests(entry.signals) } }
        let rows = deferred ? [] : try entries.map { try EntryBinds(entry: $0, bankID: bankID, addedAt: ms) }
        let withdrawing = deleteExternalIDs.isEmpty ? []
            : Array(Set(deleteExternalIDs).subtracting(entries.compactMap(\.metadata.externalID)))
        return try await connectionChangeTransaction { connection in
            let sql = connection.sql
            // Under the change-log lock, so the bank cannot be deleted before this commits (on
            // PostgreSQL nothing else ties an entry to its bank: see migration 11). Nor may a bank
            // whose deletion has begun take entries: they would never match, and would all fall
            // to the deletion's last transaction.
            guard let bank = try await sql.raw("SELECT name, deleting FROM banks WHERE id = \(bind: bankID)").first() else {
                throw BankError.notFound("bank \(bankID)")
            }
            if try bank.decode(column: "deleting", as: Bool.self) { throw BankError.beingDeleted(try bank.decode(column: "name", as: String.self)) }
            let withdrawn = try await Self.deleteByExternalID(sql, bankID: bankID, ids: withdrawing, at: ms)
            let reconciled = try await ExternalIDReconciler.reconcile(sql, bankID: bankID, rows: rows, at: ms)
            let replaced = try await Self.deleteByExternalID(sql, bankID: bankID, ids: reconciled.replacing, at: ms)
            let writing: EntryRows = deferred ? .unconverted(entries, bankID: bankID, addedAt: ms) : .converted(reconciled.insert)
            let (insertedIDs, inserted) = try await EntryInserter.insert(writing, on: connection, returningRows: returningRows)
            if let runs = EntryRuns.encode(insertedIDs) {
                try await ChangeLogSQL.append(sql, .entriesAdded, bankID: bankID, entryRuns: runs)
            }
            let outcome = BatchOutcome(inserted: inserted, insertedCount: insertedIDs.count,
                                       duplicates: entries.count - insertedIDs.count, updated: reconciled.updated,
                                       withdrawn: withdrawn, replaced: replaced)
            if let checkpoint = try checkpoint(outcome) {
                let held = try await sql.raw("""
                    UPDATE jobs SET progress = \(bind: checkpoint.progress), updated_at = \(bind: ms)
                    WHERE id = \(bind: checkpoint.lease.jobID) AND lease_token = \(bind: checkpoint.lease.token) AND state = 'running'
                    RETURNING id
                    """).all().count
                guard held == 1 else { throw BankError.checkpointRefused("job \(checkpoint.lease.jobID) is no longer held by this worker") }
            }
            return outcome
        }
    }

    private static func deleteByExternalID(_ sql: any SQLDatabase, bankID: Int64, ids: [String], at ms: Int64) async throws -> [IndexRow] {
        var removed: [IndexRow] = []
        for start in stride(from: 0, to: ids.count, by: 500) {
            let condition = externalIDCondition(bankID: bankID, ids[start..<min(start + 500, ids.count)])
            try await ChangeLogSQL.appendRemovals(sql, where: condition)
            var query = SQLQueryString("DELETE FROM bank_entries WHERE ")
            query.appendInterpolation(condition)
            query.appendLiteral(" RETURNING id, bank_id, pdq, md5, sha256, disabled_until")
            removed += try await sql.raw(query).all().map(indexRow)
        }
        return removed
    }

    /// `bank_id = ? AND external_id IN (?, …)`: external ids are free text, so each is bound (at
    /// most 500 a statement, under every driver's bind limit).
    static func externalIDCondition(bankID: Int64, _ ids: ArraySlice<String>) -> SQLQueryString {
        var condition = SQLQueryString("bank_id = ")
        condition.appendInterpolation(bind: bankID)
        condition.appendLiteral(" AND external_id IN (")
        for (i, id) in ids.enumerated() {
            if i > 0 { condition.appendLiteral(", ") }
            condition.appendInterpolation(bind: id)
        }
        condition.appendLiteral(")")
        return condition
    }

    public func deleteEntry(id: Int64) async throws -> BankEntry? {
        return try await changeTransaction { sql in
            try await ChangeLogSQL.appendRemovals(sql, where: "id = \(bind: id)")
            // Its matches leave its bank's total with it.
            try await sql.raw("DELETE FROM entry_matches WHERE entry_id = \(bind: id)").run()
            return try await sql.raw("DELETE FROM bank_entries WHERE id = \(bind: id) RETURNING \(unsafeRaw: Self.entryColumns)").first().map(Self.entry)
        }
    }

    public func setDisabledUntil(entryID: Int64, _ until: Date?) async throws -> BankEntry? {
        let value = until?.millisecondsSince1970
        let ms = Date().millisecondsSince1970
        return try await changeTransaction { sql in
            guard let entry = try await sql.raw("""
                UPDATE bank_entries SET disabled_until = \(bind: value) WHERE id = \(bind: entryID) RETURNING \(unsafeRaw: Self.entryColumns)
                """).first().map(Self.entry) else { return nil }
            // Woken: what was screened while it slept is checked against it.
            if (value ?? 0) <= ms { try await Self.recheck(entryID, at: ms, sql) }
            try await ChangeLogSQL.append(sql, .entrySnoozed, bankID: entry.bankID, entryID: entryID)
            return entry
        }
    }

    public func setNote(entryID: Int64, _ note: String?) async throws -> BankEntry? {
        return try await changeTransaction { sql in
            guard let row = try await sql.raw("SELECT metadata FROM bank_entries WHERE id = \(bind: entryID)").first() else { return nil }
            var stored = try JSONCoding.decode(StoredMetadata.self, from: try row.decode(column: "metadata", as: String.self))
            stored.note = note
            let text = try JSONCoding.encode(stored)
            guard let entry = try await sql.raw("""
                UPDATE bank_entries SET metadata = \(bind: text) WHERE id = \(bind: entryID) RETURNING \(unsafeRaw: Self.entryColumns)
                """).first().map(Self.entry) else { return nil }
            try await ChangeLogSQL.append(sql, .entryUpdated, bankID: entry.bankID, entryID: entryID)
            return entry
        }
    }

    public func quarantine(entryID: Int64, _ quarantine: EntryQuarantine) async throws -> BankEntry? {
        try await changeMetadata(entryID: entryID, disabledUntil: EntryQuarantine.until) { stored in
            guard stored.quarantine == nil else { return false }
            stored.quarantine = StoredQuarantine(at: quarantine.at.millisecondsSince1970, reason: quarantine.reason)
            return true
        }
    }

    public func restore(entryID: Int64) async throws -> BankEntry? {
        // The false positives it has now are the ones a curator saw: the guard counts from here.
        let falsePositives = try await database.run { sql in
            try await sql.raw("SELECT COUNT(*) AS n FROM entry_verdicts WHERE entry_id = \(bind: entryID) AND verdict = 'false_positive'")
                .first()?.decode(column: "n", as: Int.self) ?? 0
        }
        return try await changeMetadata(entryID: entryID, disabledUntil: nil, recheck: true) { stored in
            guard stored.quarantine != nil else { return false }
            stored.quarantine = nil
            stored.falsePositivesAtRestore = falsePositives
            return true
        }
    }

    /// Changes an entry's metadata and snooze in one change (when `change` says it changed anything).
    /// `recheck`: the entry can match again, and the retroactive check is to look at it again.
    func changeMetadata(entryID: Int64, disabledUntil: Date?, recheck: Bool = false,
                        _ change: @Sendable (inout StoredMetadata) -> Bool) async throws -> BankEntry? {
        let ms = Date().millisecondsSince1970
        return try await changeTransaction { sql in
            guard let row = try await sql.raw("SELECT \(unsafeRaw: Self.entryColumns) FROM bank_entries WHERE id = \(bind: entryID)").first() else { return nil }
            var stored = try JSONCoding.decode(StoredMetadata.self, from: try row.decode(column: "metadata", as: String.self))
            guard change(&stored) else { return try Self.entry(row) }
            guard let entry = try await sql.raw("""
                UPDATE bank_entries SET metadata = \(bind: try JSONCoding.encode(stored)), disabled_until = \(bind: disabledUntil?.millisecondsSince1970)
                WHERE id = \(bind: entryID) RETURNING \(unsafeRaw: Self.entryColumns)
                """).first().map(Self.entry) else { return nil }
            if recheck { try await Self.recheck(entryID, at: ms, sql) }
            try await ChangeLogSQL.append(sql, .entrySnoozed, bankID: entry.bankID, entryID: entryID)
            return entry
        }
    }

    /// Queues an entry that can match again for the retroactive check, in the change's transaction.
    static func recheck(_ entryID: Int64, at ms: Int64, _ sql: any SQLDatabase) async throws {
        try await sql.raw("""
            INSERT INTO retro_rechecks (entry_id, queued_at) VALUES (\(bind: entryID), \(bind: ms))
            ON CONFLICT (entry_id) DO UPDATE SET queued_at = excluded.queued_at
            """).run()
    }

    public func feedback(entryIDs: [Int64]) async throws -> [Int64: EntryFeedback] {
        guard !entryIDs.isEmpty else { return [:] }
        return try await database.run { sql in
            var found: [Int64: EntryFeedback] = [:]
            for start in stride(from: 0, to: entryIDs.count, by: 500) {
                let ids = SQLCaseStore.idList(Array(entryIDs[start..<min(start + 500, entryIDs.count)]))
                for row in try await sql.raw("""
                    SELECT entry_id, verdict, COUNT(*) AS cases FROM entry_verdicts WHERE entry_id IN (\(unsafeRaw: ids)) GROUP BY entry_id, verdict
                    """).all() {
                    try Self.addVerdicts(row, to: &found, key: "entry_id")
                }
                for row in try await sql.raw("SELECT entry_id, matches, last_matched_at FROM entry_matches WHERE entry_id IN (\(unsafeRaw: ids))").all() {
                    let id = try row.decode(column: "entry_id", as: Int64.self)
                    found[id, default: EntryFeedback()].matches = try row.decode(column: "matches", as: Int.self)
                    found[id, default: EntryFeedback()].lastMatchedAt = Date(milliseconds: try row.decode(column: "last_matched_at", as: Int64.self))
                }
                for row in try await sql.raw("""
                    SELECT entry_id, vote, COUNT(*) AS votes FROM entry_votes WHERE entry_id IN (\(unsafeRaw: ids)) GROUP BY entry_id, vote
                    """).all() {
                    try Self.addVotes(row, to: &found, key: "entry_id")
                }
            }
            return found
        }
    }

    public func bankFeedback(bankID: Int64?) async throws -> [Int64: EntryFeedback] {
        // A number, not text: safe to write into the statement.
        let (joined, own) = (bankID.map { "WHERE e.bank_id = \($0)" } ?? "", bankID.map { "WHERE bank_id = \($0)" } ?? "")
        return try await database.run { sql in
            var found: [Int64: EntryFeedback] = [:]
            for row in try await sql.raw("""
                SELECT e.bank_id AS bank_id, v.verdict AS verdict, COUNT(*) AS cases FROM entry_verdicts v JOIN bank_entries e ON e.id = v.entry_id
                \(unsafeRaw: joined) GROUP BY e.bank_id, v.verdict
                """).all() {
                try Self.addVerdicts(row, to: &found, key: "bank_id")
            }
            for row in try await sql.raw("""
                SELECT bank_id, CAST(SUM(matches) AS BIGINT) AS matches, MAX(last_matched_at) AS last_matched_at
                FROM entry_matches \(unsafeRaw: own) GROUP BY bank_id
                """).all() {
                let id = try row.decode(column: "bank_id", as: Int64.self)
                found[id, default: EntryFeedback()].matches = try row.decode(column: "matches", as: Int.self)
                found[id, default: EntryFeedback()].lastMatchedAt = Date(milliseconds: try row.decode(column: "last_matched_at", as: Int64.self))
            }
            for row in try await sql.raw("""
                SELECT e.bank_id AS bank_id, v.vote AS vote, COUNT(*) AS votes FROM entry_votes v JOIN bank_entries e ON e.id = v.entry_id
                \(unsafeRaw: joined) GROUP BY e.bank_id, v.vote
                """).all() {
                try Self.addVotes(row, to: &found, key: "bank_id")
            }
            return found
        }
    }

    /// A row of verdict counts (`verdict`, `cases`) added to the feedback of the row's `key`.
    static func addVerdicts(_ row: any SQLRow, to found: inout [Int64: EntryFeedback], key: String) throws {
        let id = try row.decode(column: key, as: Int64.self), cases = try row.decode(column: "cases", as: Int.self)
        switch try row.decode(column: "verdict", as: String.self) {
        case "confirmed": found[id, default: EntryFeedback()].confirmations += cases
        case "false_positive": found[id, default: EntryFeedback()].falsePositives += cases
        case let other: throw StoredValueProblem("entry_verdicts.verdict \"\(other)\"")
        }
    }

    /// A row of vote counts (`vote`, `votes`) added to the feedback of the row's `key`.
    static func addVotes(_ row: any SQLRow, to found: inout [Int64: EntryFeedback], key: String) throws {
        let id = try row.decode(column: key, as: Int64.self), votes = try row.decode(column: "votes", as: Int.self)
        switch try row.decode(column: "vote", as: String.self) {
        case ListVote.Direction.up.rawValue: found[id, default: EntryFeedback()].followerConfirmations += votes
        case ListVote.Direction.down.rawValue: found[id, default: EntryFeedback()].followerFalsePositives += votes
        case let other: throw StoredValueProblem("entry_votes.vote \"\(other)\"")
        }
    }

    public func recordVote(entryID: Int64, voter: String, direction: ListVote.Direction, at time: Date) async throws {
        try await database.run { sql in
            try await sql.raw("""
                INSERT INTO entry_votes (entry_id, voter, vote, at) VALUES (\(bind: entryID), \(bind: voter), \(bind: direction.rawValue), \(bind: time.millisecondsSince1970))
                ON CONFLICT (entry_id, voter) DO UPDATE SET vote = excluded.vote, at = excluded.at
                """).run()
        }
    }

    public func addMatches(_ counts: [Int64: EntryMatchCount]) async throws {
        guard !counts.isEmpty else { return }
        try await database.transaction { sql in try await Self.addMatches(counts, sql) }
    }

    /// Adds to the entries' match totals on `sql` (a retroactive check's hits, in its transaction).
    /// 500 entries a statement: a flush of every entry a busy server matched in ten seconds (tens
    /// of thousands) was one statement each, and held SQLite's one connection — and with it every
    /// matching lookup's commit — for seconds.
    static func addMatches(_ counts: [Int64: EntryMatchCount], _ sql: any SQLDatabase) async throws {
        // In id order: two replicas flushing at once take the rows' locks in the same order.
        let sorted = counts.sorted(by: { $0.key < $1.key })
        for start in stride(from: 0, to: sorted.count, by: 500) {
            var query = SQLQueryString("WITH counted (id, matches, last_matched_at) AS (VALUES ")
            for (index, (id, count)) in sorted[start..<min(sorted.count, start + 500)].enumerated() {
                query.appendLiteral(index == 0 ? "(" : ", (")
                query.appendInterpolation(bind: id)
                query.appendLiteral(", ")
                query.appendInterpolation(bind: count.matches)
                query.appendLiteral(", ")
                query.appendInterpolation(bind: count.last.millisecondsSince1970)
                query.appendLiteral(")")
            }
            // The entry's bank from the entry itself (an entry deleted since counts nothing). The
            // WHERE lets SQLite read the ON CONFLICT that follows as the upsert's.
            query.appendLiteral("""
                )
                INSERT INTO entry_matches (entry_id, bank_id, matches, last_matched_at)
                SELECT e.id, e.bank_id, counted.matches, counted.last_matched_at
                FROM counted JOIN bank_entries e ON e.id = counted.id WHERE TRUE ORDER BY e.id
                ON CONFLICT (entry_id) DO UPDATE SET matches = entry_matches.matches + excluded.matches,
                    last_matched_at = CASE WHEN excluded.last_matched_at > entry_matches.last_matched_at
                                           THEN excluded.last_matched_at ELSE entry_matches.last_matched_at END
                """)
            try await sql.raw(query).run()
        }
    }

    public func quarantined(bankID: Int64, limit: Int) async throws -> [BankEntry] {
        try await database.run { sql in
            try await sql.raw("""
                SELECT \(unsafeRaw: Self.entryColumns) FROM bank_entries
                WHERE disabled_until = \(bind: EntryQuarantine.until.millisecondsSince1970) AND bank_id = \(bind: bankID)
                ORDER BY id LIMIT \(bind: max(1, min(limit, 1000)))
                """).all().map(Self.entry).filter { $0.metadata.quarantine != nil }
        }
    }

    public func quarantinedCounts(bankID: Int64?) async throws -> [Int64: Int] {
        let own = bankID.map { "AND bank_id = \($0)" } ?? ""
        return try await database.run { sql in
            var counts: [Int64: Int] = [:]
            for row in try await sql.raw("""
                SELECT bank_id, COUNT(*) AS quarantined FROM bank_entries
                WHERE disabled_until = \(bind: EntryQuarantine.until.millisecondsSince1970) \(unsafeRaw: own) GROUP BY bank_id
                """).all() {
                counts[try row.decode(column: "bank_id", as: Int64.self)] = try row.decode(column: "quarantined", as: Int.self)
            }
            return counts
        }
    }

    public func entry(id: Int64) async throws -> BankEntry? {
        try await database.run { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.entryColumns) FROM bank_entries WHERE id = \(bind: id)").first().map(Self.entry)
        }
    }

    public func entryID(bankID: Int64, holding signals: EntrySignals) async throws -> Int64? {
        guard signals.pdq != nil || signals.md5 != nil || signals.sha256 != nil else { return nil }
        // One indexed lookup per signal given (bank_entries has a unique index on (bank_id, signal)
        // for each): the lowest id that holds any of them.
        return try await database.run { sql in
            func id(where column: String, is value: some Encodable & Sendable) async throws -> Int64? {
                try await sql.raw("SELECT id FROM bank_entries WHERE bank_id = \(bind: bankID) AND \(unsafeRaw: column) = \(bind: value)")
                    .first()?.decode(column: "id", as: Int64.self)
            }
            var found: [Int64] = []
            if let pdq = signals.pdq, let hit = try await id(where: "pdq", is: PDQBytes.data(pdq)) { found.append(hit) }
            if let md5 = signals.md5, let hit = try await id(where: "md5", is: md5) { found.append(hit) }
            if let sha256 = signals.sha256, let hit = try await id(where: "sha256", is: sha256) { found.append(hit) }
            return found.min()
        }
    }

    public func entries(ids: [Int64]) async throws -> [BankEntry] {
        guard !ids.isEmpty else { return [] }
        let list = IDList.sql(ids)
        return try await database.run { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.entryColumns) FROM bank_entries WHERE id IN (\(unsafeRaw: list))").all().map(Self.entry)
        }
    }

    public func entries(bankID: Int64, afterID: Int64, limit: Int) async throws -> [BankEntry] {
        try await database.run { sql in
            try await sql.raw("""
                SELECT \(unsafeRaw: Self.entryColumns) FROM bank_entries
                WHERE bank_id = \(bind: bankID) AND id > \(bind: afterID) ORDER BY id LIMIT \(bind: limit)
                """).all().map(Self.entry)
        }
    }

    public func entryCounts() async throws -> [Int64: Int] {
        try await database.run { sql in
            var counts: [Int64: Int] = [:]
            for row in try await sql.raw("SELECT bank_id, COUNT(*) AS n FROM bank_entries GROUP BY bank_id").all() {
                counts[try row.decode(column: "bank_id", as: Int64.self)] = try row.decode(column: "n", as: Int.self)
            }
            return counts
        }
    }

    public func entryCount(bankID: Int64) async throws -> Int {
        try await database.run { sql in
            try await sql.raw("SELECT COUNT(*) AS n FROM bank_entries WHERE bank_id = \(bind: bankID)").first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    public func forEachIndexRow(chunkSize: Int, _ body: @Sendable ([IndexRow]) async throws -> Void) async throws -> IndexSnapshot {
        try await IndexRowReader.consistentLoad(database, chunkSize: chunkSize, body)
    }

    // MARK: rows

    static func bank(_ row: any SQLRow) throws -> Bank {
        Bank(
            id: try row.decode(column: "id", as: Int64.self),
            name: try row.decode(column: "name", as: String.self),
            description: try row.decode(column: "description", as: String.self),
            kind: BankKind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .match,
            enabled: try row.decode(column: "enabled", as: Bool.self),
            pdqThreshold: try row.decode(column: "pdq_threshold", as: Int.self),
            labels: try JSONCoding.decode([String].self, from: try row.decode(column: "labels", as: String.self)),
            guards: try JSONCoding.decode(BankGuards.self, try row.decode(column: "guards", as: String.self), "a bank's guards"),
            deleting: try row.decode(column: "deleting", as: Bool.self),
            createdAt: Date(milliseconds: try row.decode(column: "created_at", as: Int64.self)),
            updatedAt: Date(milliseconds: try row.decode(column: "updated_at", as: Int64.self)))
    }

    static func entry(_ row: any SQLRow) throws -> BankEntry {
        let metadata = try JSONCoding.decode(StoredMetadata.self, from: try row.decode(column: "metadata", as: String.self))
        return BankEntry(
            id: try row.decode(column: "id", as: Int64.self),
            bankID: try row.decode(column: "bank_id", as: Int64.self),
            signals: EntrySignals(
                pdq: try pdq(try row.decode(column: "pdq", as: Data?.self)),
                pdqQuality: try row.decode(column: "pdq_quality", as: Int?.self),
                md5: try row.decode(column: "md5", as: String?.self),
                sha256: try row.decode(column: "sha256", as: String?.self)),
            metadata: EntryMetadata(
                externalID: try row.decode(column: "external_id", as: String?.self),
                source: metadata.source, note: metadata.note, extra: metadata.extra ?? [:],
                quarantine: metadata.quarantine.map { EntryQuarantine(at: Date(milliseconds: $0.at), reason: $0.reason) },
                falsePositivesAtRestore: metadata.falsePositivesAtRestore),
            disabledUntil: try row.decode(column: "disabled_until", as: Int64?.self).map(Date.init(milliseconds:)),
            addedBy: try row.decode(column: "added_by", as: String.self),
            addedAt: Date(milliseconds: try row.decode(column: "added_at", as: Int64.self)))
    }

    static func indexRow(_ row: any SQLRow) throws -> IndexRow {
        IndexRow(
            entryID: try row.decode(column: "id", as: Int64.self),
            bankID: try row.decode(column: "bank_id", as: Int64.self),
            pdq: try pdq(try row.decode(column: "pdq", as: Data?.self)),
            md5: try row.decode(column: "md5", as: String?.self),
            sha256: try row.decode(column: "sha256", as: String?.self),
            disabledUntil: try row.decode(column: "disabled_until", as: Int64?.self).map(Date.init(milliseconds:)))
    }

    static func pdq(_ data: Data?) throws -> PDQHash? {
        guard let data else { return nil }
        guard data.count == 32 else { throw StorageError.corruptRow("pdq is \(data.count) bytes") }
        return PDQBytes.hash(data)
    }
}

/// The bind values of one new entry row.
struct EntryBinds: Sendable {
    let bankID: Int64
    /// Kept as the hash, made bytes or hex only as it is written: a million-row batch holds one.
    let pdq: PDQHash?
    var pdqHex: String? { pdq?.hex }
    let pdqQuality: Int?
    let md5: String?
    let sha256: String?
    let externalID: String?
    let metadata: String
    let addedBy: String
    let addedAt: Int64
    let disabledUntil: Int64?

    init(entry: NewEntry, bankID: Int64, addedAt: Int64) throws {
        self.bankID = bankID
        pdq = entry.signals.pdq
        pdqQuality = entry.signals.pdqQuality
        try Self.checkDigests(entry.signals)
        md5 = entry.signals.md5
        sha256 = entry.signals.sha256
        externalID = entry.metadata.externalID
        let m = entry.metadata
        metadata = m.source == nil && m.note == nil && m.extra.isEmpty
            ? StoredMetadata.emptyJSON
            : try JSONCoding.encode(StoredMetadata(source: m.source, note: m.note, extra: m.extra.isEmpty ? nil : m.extra))
        addedBy = entry.addedBy
        self.addedAt = addedAt
        disabledUntil = entry.disabledUntil?.millisecondsSince1970
    }

    /// Only lowercase hex digests are stored: the unique indexes then find a digest however it
    /// was written, and PostgreSQL's COPY lines carry them unescaped.
    static func checkDigests(_ signals: EntrySignals) throws {
        guard signals.md5.map({ HexDigest.normalise($0, length: 32) == $0 }) ?? true,
              signals.sha256.map({ HexDigest.normalise($0, length: 64) == $0 }) ?? true else {
            throw BankError.invalid("md5 and sha256 must be lowercase hex digests")
        }
    }
}

/// The JSON kept in `bank_entries.metadata`.
struct StoredMetadata: Codable {
    static let emptyJSON = "{}"
    var source: String?
    var note: String?
    var extra: [String: String]?
    var quarantine: StoredQuarantine?
    var falsePositivesAtRestore: Int?
}

/// A quarantine as the metadata keeps it (milliseconds, like every time in the database).
struct StoredQuarantine: Codable {
    var at: Int64
    var reason: String
}

/// PDQ hashes are stored as 32 bytes, big-endian like their hex form.
enum PDQBytes {
    static func hash(_ bytes: UnsafeRawBufferPointer) -> PDQHash {
        // Loading ten million rows calls this once a row: no allocation, just four big-endian words.
        func word(_ offset: Int) -> UInt64 {
            UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        }
        return PDQHash(w0: word(24), w1: word(16), w2: word(8), w3: word(0))
    }

    static func hash(_ data: Data) -> PDQHash {
        data.withUnsafeBytes { hash($0) }
    }

    /// Appends the 32 bytes a hash is stored as.
    static func write(_ hash: PDQHash, to buffer: inout ByteBuffer) {
        buffer.writeInteger(hash.w3, endianness: .big)
        buffer.writeInteger(hash.w2, endianness: .big)
        buffer.writeInteger(hash.w1, endianness: .big)
        buffer.writeInteger(hash.w0, endianness: .big)
    }

    /// The 32 bytes a hash is stored as (most significant word first, as its hex reads).
    static func data(_ hash: PDQHash) -> Data {
        var data = Data(capacity: 32)
        for word in [hash.w3, hash.w2, hash.w1, hash.w0] { withUnsafeBytes(of: word.bigEndian) { data.append(contentsOf: $0) } }
        return data
    }
}
