public import Cases
public import Events
public import Foundation
import JSONValues
import SQLKit

/// Accounts: one row per reference id, a history, and the cases that link them.
extension SQLCaseStore {
    static let accountColumns = "id, reference_id, screen_name, email, status, tags, block_reason, version, created_at, updated_at"

    public func upsertAccount(_ new: NewAccount, status: String, actor: String, at time: Date,
                              events: @escaping @Sendable (Account) -> [NewEvent]) async throws -> (account: Account, created: Bool) {
        let tags = try JSONCoding.encode(new.tags)
        let ms = time.millisecondsSince1970
        let dialect = database.dialect
        return try await database.transaction { sql in
            guard let row = try await sql.raw("""
                INSERT INTO accounts (reference_id, reference_key, screen_name, email, status, tags, version, created_at, updated_at)
                VALUES (\(bind: new.referenceID), \(bind: CaseSearch.key(new.referenceID)), \(bind: new.screenName), \(bind: new.email), \(bind: status), \(bind: tags), 1, \(bind: ms), \(bind: ms))
                ON CONFLICT (reference_id) DO NOTHING
                RETURNING \(unsafeRaw: Self.accountColumns)
                """).first() else {
                guard let existing = try await sql.raw("SELECT \(unsafeRaw: Self.accountColumns) FROM accounts WHERE reference_id = \(bind: new.referenceID)")
                    .first() else { throw StorageError.corruptRow("an account's reference id conflicted, but no account holds it") }
                return (try Self.account(existing), false)
            }
            let account = try Self.account(row)
            try await Self.history([NewHistoryEntry(actor: actor, kind: "created", detail: ["status": .string(status)])], of: .account(account.id), ms: ms, sql)
            try await EventSQL.append(events(account), at: time, on: sql, dialect)
            return (account, true)
        }
    }

    public func updateAccount(id: Int64, at time: Date, _ change: @escaping @Sendable (Account) throws -> AccountChange) async throws -> Account {
        let dialect = database.dialect
        let ms = time.millisecondsSince1970
        return try await database.transaction { sql in
            let lock = dialect == .postgres ? " FOR UPDATE" : ""
            guard let row = try await sql.raw("SELECT \(unsafeRaw: Self.accountColumns) FROM accounts WHERE id = \(bind: id)\(unsafeRaw: lock)").first() else {
                throw CaseError.notFound("account \(id)")
            }
            let current = try Self.account(row)
            let decided = try change(current)
            guard decided.updated != current || !decided.history.isEmpty else { return current }
            let updated = decided.updated
            guard let saved = try await sql.raw("""
                UPDATE accounts SET screen_name = \(bind: updated.screenName), email = \(bind: updated.email), status = \(bind: updated.status),
                       tags = \(bind: try JSONCoding.encode(updated.tags)), block_reason = \(bind: updated.blockReason), version = version + 1,
                       updated_at = \(bind: ms)
                WHERE id = \(bind: id) RETURNING \(unsafeRaw: Self.accountColumns)
                """).first().map(Self.account) else { throw CaseError.notFound("account \(id)") }
            try await Self.history(decided.history, of: .account(id), ms: ms, sql)
            try await EventSQL.append(Self.stamped(decided.events, version: saved.version), at: time, on: sql, dialect)
            return saved
        }
    }

    public func accountDetail(id: Int64) async throws -> AccountDetail? {
        try await database.run { sql in
            guard let row = try await sql.raw("SELECT \(unsafeRaw: Self.accountColumns) FROM accounts WHERE id = \(bind: id)").first() else { return nil }
            let history = try await sql.raw("SELECT id, at, actor, kind, detail FROM account_history WHERE account_id = \(bind: id) ORDER BY id")
                .all().map(Self.historyEntry)
            let cases = try await sql.raw("SELECT case_id FROM case_accounts WHERE account_id = \(bind: id) ORDER BY case_id").all()
                .map { try $0.decode(column: "case_id", as: Int64.self) }
            return AccountDetail(account: try Self.account(row), history: history, caseIDs: cases)
        }
    }

    public func account(reference: String) async throws -> Account? {
        try await database.run { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.accountColumns) FROM accounts WHERE reference_id = \(bind: reference)").first().map(Self.account)
        }
    }

    public func accounts(_ filter: AccountFilter) async throws -> [Account] {
        try await database.run { sql in
            var query = SQLQueryString("SELECT \(unsafeRaw: Self.accountColumns) FROM accounts WHERE 1 = 1")
            if let status = filter.status { query.appendLiteral(" AND status = "); query.appendInterpolation(bind: status) }
            if let search = filter.search?.lowercased(), !search.isEmpty {
                let escaped = search.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                    .replacingOccurrences(of: "_", with: "\\_") + "%"
                query.appendLiteral(" AND (LOWER(reference_id) LIKE "); query.appendInterpolation(bind: escaped)
                query.appendLiteral(" ESCAPE '\\' OR LOWER(screen_name) LIKE "); query.appendInterpolation(bind: escaped)
                query.appendLiteral(" ESCAPE '\\' OR LOWER(email) LIKE "); query.appendInterpolation(bind: escaped)
                query.appendLiteral(" ESCAPE '\\')")
            }
            if let before = filter.before { query.appendLiteral(" AND id < "); query.appendInterpolation(bind: before) }
            query.appendLiteral(" ORDER BY id DESC")
            // A tag filter reads the JSON list: applied here, over a bounded page.
            let limit = max(1, min(filter.limit, 1000))
            query.appendLiteral(" LIMIT \(filter.tag == nil ? limit : 10_000)")
            let found = try await sql.raw(query).all().map(Self.account)
            guard let tag = filter.tag else { return found }
            return Array(found.filter { $0.tags.contains(tag) }.prefix(limit))
        }
    }

    static func account(_ row: any SQLRow) throws -> Account {
        Account(id: try row.decode(column: "id", as: Int64.self), referenceID: try row.decode(column: "reference_id", as: String.self),
                screenName: try row.decode(column: "screen_name", as: String?.self), email: try row.decode(column: "email", as: String?.self),
                status: try row.decode(column: "status", as: String.self),
                tags: try JSONCoding.decode([String].self, try row.decode(column: "tags", as: String.self), "an account's tags"),
                blockReason: try row.decode(column: "block_reason", as: String?.self), version: try row.decode(column: "version", as: Int.self),
                createdAt: Date(milliseconds: try row.decode(column: "created_at", as: Int64.self)),
                updatedAt: Date(milliseconds: try row.decode(column: "updated_at", as: Int64.self)))
    }
}
