public import Cases
public import Foundation
import SQLKit

/// The queue on SQLKit: cases filtered, searched, ordered and paged; counts per queue with
/// their SLA breaches; and what a queue row shows beyond the case.
extension SQLCaseStore {
    public func cases(_ filter: CaseFilter) async throws -> [Case] {
        try await database.run { sql in
            let query = sql.select().column(SQLRaw(Self.columns)).from("cases")
            if let statuses = filter.statuses, !statuses.isEmpty { query.where("status", .in, statuses) }
            if let priorities = filter.priorities, !priorities.isEmpty { query.where("priority", .in, priorities.map(\.rawValue)) }
            if let assignee = filter.assignee { query.where("assignee", .equal, assignee) }
            if filter.unassigned { query.where(SQLColumn("assignee"), .is, SQLLiteral.null) }
            if let queue = filter.queue { query.where("queue", .equal, queue) }
            if filter.openOnly { query.where("is_final", .equal, false) }
            if let before = filter.createdBefore { query.where("created_at", .lessThan, before.millisecondsSince1970) }
            if let after = filter.createdAfter { query.where("created_at", .greaterThanOrEqual, after.millisecondsSince1970) }
            if let account = filter.accountID {
                query.where("id", .in, SQLSubquery.select { $0.column("case_id").from("case_accounts").where("account_id", .equal, account) })
            }
            if let search = filter.search { query.where(Self.matching(search)) }
            if let before = filter.before { query.where("id", .lessThan, before) }
            switch filter.sort {
            case .newest: query.orderBy("id", .descending)
            case .oldest: query.orderBy("created_at", .ascending).orderBy("id", .ascending)
            case .priority:
                query.orderBy(SQLRaw("CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END"))
                    .orderBy("created_at", .ascending).orderBy("id", .ascending)
            case .updated: query.orderBy("updated_at", .descending).orderBy("id", .descending)
            }
            query.limit(max(1, min(filter.limit, 1000)))
            if filter.offset > 0 { query.offset(filter.offset) }
            let found = try await query.all().map(Self.row)
            guard !found.isEmpty else { return [] }
            // The linked accounts of the whole page in one query.
            var links: [Int64: [Int64]] = [:]
            for row in try await sql.raw("SELECT case_id, account_id FROM case_accounts WHERE case_id IN (\(unsafeRaw: Self.idList(found.map(\.id)))) ORDER BY account_id").all() {
                links[try row.decode(column: "case_id", as: Int64.self), default: []].append(try row.decode(column: "account_id", as: Int64.self))
            }
            return found.map { item in
                var item = item
                item.accountIDs = links[item.id] ?? []
                return item
            }
        }
    }

    /// A search as one condition: words of the title, an account's reference id (both by their
    /// folded keys), the start of a matched file's hash, or the case's number. LIKE's wildcards
    /// in what was typed are literal. LIKE is case-sensitive on PostgreSQL: keys and text are
    /// folded alike, so both databases find the same cases.
    static func matching(_ search: CaseSearch) -> SQLQueryString {
        let escaped = search.text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
        let contains = "%\(escaped)%"
        var condition: SQLQueryString = """
            (title_key LIKE \(bind: contains) ESCAPE '\\'
             OR id IN (SELECT ca.case_id FROM case_accounts ca JOIN accounts a ON a.id = ca.account_id
                       WHERE a.reference_key LIKE \(bind: contains) ESCAPE '\\')
            """
        if let prefix = search.hashPrefix {
            let starts = "\(prefix)%"
            condition += """
                 OR id IN (SELECT case_id FROM case_evidence WHERE LOWER(pdq) LIKE \(bind: starts) OR LOWER(md5) LIKE \(bind: starts)
                           OR LOWER(sha256) LIKE \(bind: starts) OR LOWER(media_sha256) LIKE \(bind: starts))
                """
        }
        if let id = search.caseID { condition += " OR id = \(bind: id)" }
        condition += ")"
        return condition
    }

    public func queueCounts(at now: Date) async throws -> [QueueCount] {
        try await database.run { sql in
            try await sql.raw("""
                SELECT c.queue, COUNT(*) AS open, SUM(CASE WHEN c.assignee IS NULL THEN 1 ELSE 0 END) AS unassigned, MIN(c.created_at) AS oldest,
                       MAX(q.sla_minutes) AS sla_minutes,
                       SUM(CASE WHEN q.sla_minutes IS NOT NULL AND c.created_at < \(bind: now.millisecondsSince1970) - q.sla_minutes * 60000 THEN 1 ELSE 0 END) AS breaches
                FROM cases c LEFT JOIN case_queues q ON q.queue = c.queue
                WHERE c.is_final = FALSE GROUP BY c.queue ORDER BY c.queue
                """).all().map { row in
                let queue = try row.decode(column: "queue", as: String.self)
                return QueueCount(queue: queue, open: try row.decode(column: "open", as: Int.self),
                                  unassigned: try row.decode(column: "unassigned", as: Int?.self) ?? 0,
                                  oldestOpenAt: try row.decode(column: "oldest", as: Int64?.self).map(Date.init(milliseconds:)),
                                  sla: try row.decode(column: "sla_minutes", as: Int?.self).map { try Self.sla(queue, $0) },
                                  breaches: try row.decode(column: "breaches", as: Int?.self) ?? 0)
            }
        }
    }

    public func queueFacts(caseIDs: [Int64]) async throws -> [Int64: CaseQueueFacts] {
        guard !caseIDs.isEmpty else { return [:] }
        return try await database.run { sql in
            let ids = Self.idList(caseIDs)
            var facts: [Int64: CaseQueueFacts] = [:]
            for row in try await sql.raw("""
                SELECT ca.case_id, a.reference_id FROM case_accounts ca JOIN accounts a ON a.id = ca.account_id
                WHERE ca.case_id IN (\(unsafeRaw: ids)) ORDER BY ca.case_id, a.reference_id
                """).all() {
                facts[try row.decode(column: "case_id", as: Int64.self), default: CaseQueueFacts()].accountReferences
                    .append(try row.decode(column: "reference_id", as: String.self))
            }
            var matches: [Int64: [EvidenceMatch]] = [:]
            for row in try await sql.raw("SELECT case_id, provider, bank, distance FROM case_evidence WHERE case_id IN (\(unsafeRaw: ids)) ORDER BY case_id, id").all() {
                matches[try row.decode(column: "case_id", as: Int64.self), default: []].append(
                    EvidenceMatch(provider: try row.decode(column: "provider", as: String.self), bank: try row.decode(column: "bank", as: String?.self),
                                  distance: try row.decode(column: "distance", as: Int?.self)))
            }
            for (id, found) in matches { facts[id, default: CaseQueueFacts()].closestMatch = CaseQueueFacts.closest(found) }
            return facts
        }
    }

    public func queueSLAs() async throws -> [QueueSLA] {
        try await database.run { sql in
            try await sql.raw("SELECT queue, sla_minutes FROM case_queues ORDER BY queue").all().map {
                try Self.sla(try $0.decode(column: "queue", as: String.self), try $0.decode(column: "sla_minutes", as: Int.self))
            }
        }
    }

    public func saveQueueSLA(queue: String, minutes: Int?, at time: Date) async throws {
        try await database.run { sql in
            if let minutes {
                try await sql.raw("""
                    INSERT INTO case_queues (queue, sla_minutes, updated_at) VALUES (\(bind: queue), \(bind: minutes), \(bind: time.millisecondsSince1970))
                    ON CONFLICT (queue) DO UPDATE SET sla_minutes = excluded.sla_minutes, updated_at = excluded.updated_at
                    """).run()
            } else {
                try await sql.raw("DELETE FROM case_queues WHERE queue = \(bind: queue)").run()
            }
        }
    }

    /// A stored SLA, checked as a new one is: a row out of range is a corrupt row, not a default.
    static func sla(_ queue: String, _ minutes: Int) throws -> QueueSLA {
        do { return try QueueSLA(queue: queue, minutes: minutes) } catch { throw StorageError.corruptRow("queue \(queue)'s SLA: \(error.description)") }
    }

    /// Case ids written into an IN list: integers, so nothing typed reaches the statement.
    static func idList(_ ids: [Int64]) -> String { ids.map(String.init).joined(separator: ",") }
}
