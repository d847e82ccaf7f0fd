public import Cases
public import Events
public import Foundation
import JSONValues
import SQLKit

/// `CaseStore` on SQLKit: cases, their evidence, linked accounts and timeline here; accounts in
/// SQLCaseStore+Accounts. Each change writes its rows and its events in one transaction.
public struct SQLCaseStore: CaseStore {
    public let database: VigilDatabase

    public init(database: VigilDatabase) {
        self.database = database
    }

    static let columns = """
        id, title, template, status, is_final, priority, queue, assignee, fields, version, created_by, created_at, updated_at, resolved_at,
        (SELECT COUNT(*) FROM case_evidence e WHERE e.case_id = cases.id) AS evidence_count
        """

    public func createCase(_ new: NewCase, template: CaseTemplate, actor: String, at time: Date, history: [NewHistoryEntry],
                           events: @escaping @Sendable (Case) -> [NewEvent]) async throws -> (case: Case, created: Bool) {
        let fields = try JSONCoding.encode(JSONValue.object(new.fields))
        let ms = time.millisecondsSince1970
        let dialect = database.dialect
        let status = template.initialStatus
        return try await database.transaction { sql in
            guard let row = try await sql.raw("""
                INSERT INTO cases (title, title_key, template, status, is_final, priority, queue, assignee, fields, origin_key, version, created_by, created_at, updated_at)
                VALUES (\(bind: new.title), \(bind: CaseSearch.key(new.title)), \(bind: template.name), \(bind: status), FALSE, \(bind: new.priority.rawValue), \(bind: new.queue),
                        \(bind: new.assignee), \(bind: fields), \(bind: new.originKey), 1, \(bind: actor), \(bind: ms), \(bind: ms))
                ON CONFLICT (origin_key) DO NOTHING
                RETURNING id
                """).first() else {
                // Opened before with this origin key (a retried workflow step): that case.
                guard let key = new.originKey,
                      let existing = try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM cases WHERE origin_key = \(bind: key)").first()
                else { throw StorageError.corruptRow("a case's origin key conflicted, but no case holds it") }
                return (try await Self.withAccounts(try Self.row(existing), sql), false)
            }
            let id = try row.decode(column: "id", as: Int64.self)
            try await Self.link(new.accountIDs, toCase: id, sql)
            try await Self.insert(new.evidence, caseID: id, actor: actor, ms: ms, sql)
            try await Self.history([NewHistoryEntry(actor: actor, kind: "created", detail: ["status": .string(status)])] + history, of: .case(id), ms: ms, sql)
            let opened = try await Self.load(id, sql, dialect)
            try await EventSQL.append(events(opened), at: time, on: sql, dialect)
            return (opened, true)
        }
    }

    public func updateCase(id: Int64, at time: Date, _ change: @escaping @Sendable (Case) throws -> CaseChange) async throws -> Case {
        let dialect = database.dialect
        let ms = time.millisecondsSince1970
        return try await database.transaction { sql in
            let current = try await Self.load(id, sql, dialect, forUpdate: true)
            let decided = try change(current)
            let updated = decided.updated
            guard updated != current || !decided.history.isEmpty || !decided.evidence.isEmpty else { return current }
            let fields = try JSONCoding.encode(JSONValue.object(updated.fields))
            let resolved: Int64? = updated.isFinal ? (current.isFinal ? current.resolvedAt?.millisecondsSince1970 : ms) : nil
            try await sql.raw("""
                UPDATE cases SET title = \(bind: updated.title), title_key = \(bind: CaseSearch.key(updated.title)), status = \(bind: updated.status), is_final = \(bind: updated.isFinal),
                       priority = \(bind: updated.priority.rawValue), queue = \(bind: updated.queue), assignee = \(bind: updated.assignee),
                       fields = \(bind: fields), version = version + 1, updated_at = \(bind: ms), resolved_at = \(bind: resolved)
                WHERE id = \(bind: id)
                """).run()
            try await Self.link(decided.linkAccounts, toCase: id, sql)
            try await Self.insert(decided.evidence, caseID: id, actor: decided.history.first?.actor ?? "system", ms: ms, sql)
            try await Self.history(decided.history, of: .case(id), ms: ms, sql)
            if let verdict = decided.verdict {
                try await VerdictSQL.record(verdict, caseID: id, decision: Int64(current.version + 1), ms: ms, sql)
            } else if current.isFinal, !updated.isFinal {
                try await VerdictSQL.withdraw(caseID: id, sql)
            }
            let saved = try await Self.load(id, sql, dialect)
            try await EventSQL.append(Self.stamped(decided.events, version: saved.version), at: time, on: sql, dialect)
            return saved
        }
    }

    public func `case`(id: Int64) async throws -> Case? {
        let dialect = database.dialect
        return try await database.run { sql in
            do { return try await Self.load(id, sql, dialect) } catch CaseError.notFound { return nil }
        }
    }

    public func caseDetail(id: Int64) async throws -> CaseDetail? {
        try await database.run { sql in
            guard let row = try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM cases WHERE id = \(bind: id)").first() else { return nil }
            let found = try await Self.withAccounts(try Self.row(row), sql)
            let evidence = try await sql.raw("""
                SELECT id, case_id, provider, bank, entry_id, distance, variant, pdq, md5, sha256, media_sha256, file_name, source_url, detail, added_by, added_at
                FROM case_evidence WHERE case_id = \(bind: id) ORDER BY id
                """).all().map(Self.evidence)
            let timeline = try await sql.raw("SELECT id, at, actor, kind, detail FROM case_timeline WHERE case_id = \(bind: id) ORDER BY id")
                .all().map(Self.historyEntry)
            return CaseDetail(case: found, evidence: evidence, timeline: timeline)
        }
    }

    // MARK: templates

    public func template(named name: String) async throws -> CaseTemplate? {
        try await database.run { sql in
            try await sql.raw("SELECT definition FROM case_templates WHERE name = \(bind: name)").first().map {
                try JSONCoding.decode(StoredCaseTemplate.self, try $0.decode(column: "definition", as: String.self), "case template \(name)").template
            }
        }
    }

    public func templates() async throws -> [CaseTemplate] {
        try await database.run { sql in
            try await sql.raw("SELECT name, definition FROM case_templates ORDER BY name").all().map {
                try JSONCoding.decode(StoredCaseTemplate.self, try $0.decode(column: "definition", as: String.self), "a case template").template
            }
        }
    }

    public func saveTemplate(_ template: CaseTemplate, at time: Date) async throws {
        let definition = try JSONCoding.encode(StoredCaseTemplate(template))
        try await database.run { sql in
            try await sql.raw("""
                INSERT INTO case_templates (name, definition, updated_at) VALUES (\(bind: template.name), \(bind: definition), \(bind: time.millisecondsSince1970))
                ON CONFLICT (name) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at
                """).run()
        }
    }

    // MARK: rows

    /// Events that carry the saved version (the one a next change must name).
    static func stamped(_ events: [NewEvent], version: Int) -> [NewEvent] {
        events.map { event in
            var event = event
            if case var .object(payload) = event.payload {
                payload["version"] = .number(Double(version))
                event.payload = .object(payload)
            }
            return event
        }
    }

    static func load(_ id: Int64, _ sql: any SQLDatabase, _ dialect: Dialect, forUpdate: Bool = false) async throws -> Case {
        // FOR UPDATE (PostgreSQL): a second decision waits for the first to commit and then sees
        // its version, so it is refused rather than written over it. SQLite has one writer.
        let lock = forUpdate && dialect == .postgres ? " FOR UPDATE" : ""
        guard let row = try await sql.raw("SELECT \(unsafeRaw: columns) FROM cases WHERE id = \(bind: id)\(unsafeRaw: lock)").first() else {
            throw CaseError.notFound("case \(id)")
        }
        return try await withAccounts(try Self.row(row), sql)
    }

    static func withAccounts(_ found: Case, _ sql: any SQLDatabase) async throws -> Case {
        var found = found
        found.accountIDs = try await sql.raw("SELECT account_id FROM case_accounts WHERE case_id = \(bind: found.id) ORDER BY account_id").all()
            .map { try $0.decode(column: "account_id", as: Int64.self) }
        return found
    }

    static func insert(_ evidence: [NewEvidence], caseID: Int64, actor: String, ms: Int64, _ sql: any SQLDatabase) async throws {
        for item in evidence {
            let detail = try JSONCoding.encode(item.match.detail)
            try await sql.raw("""
                INSERT INTO case_evidence (case_id, provider, bank, entry_id, distance, variant, pdq, md5, sha256, media_sha256, file_name, source_url,
                                           detail, added_by, added_at)
                VALUES (\(bind: caseID), \(bind: item.match.provider), \(bind: item.match.bank), \(bind: item.match.entryID), \(bind: item.match.distance),
                        \(bind: item.match.variant), \(bind: item.signals.pdq), \(bind: item.signals.md5), \(bind: item.signals.sha256),
                        \(bind: item.mediaSHA256), \(bind: item.fileName), \(bind: item.sourceURL), \(bind: detail), \(bind: actor), \(bind: ms))
                """).run()
        }
    }

    /// Whose history lines are written: a case's timeline or an account's history.
    enum HistoryOwner {
        case `case`(Int64)
        case account(Int64)

        var table: String { if case .case = self { "case_timeline" } else { "account_history" } }
        var column: String { if case .case = self { "case_id" } else { "account_id" } }
        var id: Int64 { switch self { case let .case(id), let .account(id): id } }
    }

    static func history(_ entries: [NewHistoryEntry], of owner: HistoryOwner, ms: Int64, _ sql: any SQLDatabase) async throws {
        for entry in entries {
            try await sql.raw("""
                INSERT INTO \(unsafeRaw: owner.table) (\(unsafeRaw: owner.column), at, actor, kind, detail)
                VALUES (\(bind: owner.id), \(bind: ms), \(bind: entry.actor), \(bind: entry.kind), \(bind: try JSONCoding.encode(entry.detail)))
                """).run()
        }
    }

    static func link(_ accountIDs: [Int64], toCase caseID: Int64, _ sql: any SQLDatabase) async throws {
        for account in accountIDs {
            try await sql.raw("INSERT INTO case_accounts (case_id, account_id) VALUES (\(bind: caseID), \(bind: account)) ON CONFLICT DO NOTHING").run()
        }
    }

    static func row(_ row: any SQLRow) throws -> Case {
        let priorityName = try row.decode(column: "priority", as: String.self)
        guard let priority = Priority(rawValue: priorityName) else { throw StorageError.corruptRow("unknown case priority \(priorityName)") }
        let fields = try JSONCoding.decode(JSONValue.self, try row.decode(column: "fields", as: String.self), "a case's fields")
        return Case(id: try row.decode(column: "id", as: Int64.self), title: try row.decode(column: "title", as: String.self),
                    template: try row.decode(column: "template", as: String.self), status: try row.decode(column: "status", as: String.self),
                    isFinal: try row.decode(column: "is_final", as: Bool.self), priority: priority, queue: try row.decode(column: "queue", as: String.self),
                    assignee: try row.decode(column: "assignee", as: String?.self), fields: fields.object ?? [:], accountIDs: [],
                    evidenceCount: try row.decode(column: "evidence_count", as: Int.self), version: try row.decode(column: "version", as: Int.self),
                    createdBy: try row.decode(column: "created_by", as: String.self),
                    createdAt: Date(milliseconds: try row.decode(column: "created_at", as: Int64.self)),
                    updatedAt: Date(milliseconds: try row.decode(column: "updated_at", as: Int64.self)),
                    resolvedAt: try row.decode(column: "resolved_at", as: Int64?.self).map(Date.init(milliseconds:)))
    }

    static func evidence(_ row: any SQLRow) throws -> Evidence {
        Evidence(
            id: try row.decode(column: "id", as: Int64.self), caseID: try row.decode(column: "case_id", as: Int64.self),
            match: EvidenceMatch(provider: try row.decode(column: "provider", as: String.self), bank: try row.decode(column: "bank", as: String?.self),
                                 entryID: try row.decode(column: "entry_id", as: Int64?.self), distance: try row.decode(column: "distance", as: Int?.self),
                                 variant: try row.decode(column: "variant", as: String?.self),
                                 detail: try JSONCoding.decode(JSONValue.self, try row.decode(column: "detail", as: String.self), "evidence detail")),
            signals: EvidenceSignals(pdq: try row.decode(column: "pdq", as: String?.self), md5: try row.decode(column: "md5", as: String?.self),
                                     sha256: try row.decode(column: "sha256", as: String?.self)),
            mediaSHA256: try row.decode(column: "media_sha256", as: String?.self), fileName: try row.decode(column: "file_name", as: String?.self),
            sourceURL: try row.decode(column: "source_url", as: String?.self), addedBy: try row.decode(column: "added_by", as: String.self),
            addedAt: Date(milliseconds: try row.decode(column: "added_at", as: Int64.self)))
    }

    static func historyEntry(_ row: any SQLRow) throws -> HistoryEntry {
        HistoryEntry(id: try row.decode(column: "id", as: Int64.self), at: Date(milliseconds: try row.decode(column: "at", as: Int64.self)),
                     actor: try row.decode(column: "actor", as: String.self), kind: try row.decode(column: "kind", as: String.self),
                     detail: try JSONCoding.decode(JSONValue.self, try row.decode(column: "detail", as: String.self), "a history line"))
    }
}
