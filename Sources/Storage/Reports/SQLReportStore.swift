public import Cases
public import Events
public import Foundation
public import Reports
public import Jobs
import SQLKit

/// `ReportStore` on SQLKit: the `reports`, `report_history` and `report_settings` tables. A
/// change writes the report, its history, its events and the job of its next call in one
/// transaction; on PostgreSQL the row is locked while the change decides.
public struct SQLReportStore: ReportStore {
    public let database: VigilDatabase

    public init(database: VigilDatabase) {
        self.database = database
    }

    static let columns = """
        id, case_id, state, content, files, remote, credential_id, problem, retract_requested, approved_by, approved_at, job_id, version,
        created_by, created_at, updated_at, finished_at
        """

    public func createReport(_ new: NewReport, actor: String, at time: Date, events: @escaping @Sendable (Report) -> [NewEvent]) async throws -> Report {
        let ms = time.millisecondsSince1970
        let dialect = database.dialect
        let content = try Self.encode(StoredReportContent(new.content)), files = try Self.encode(new.files.map(StoredReportFile.init))
        let remote = try Self.encode(StoredRemoteProgress(RemoteProgress()))
        return try await database.transaction { sql in
            guard let row = try await sql.raw("""
                INSERT INTO reports (case_id, state, content, files, remote, credential_id, version, created_by, created_at, updated_at)
                VALUES (\(bind: new.caseID), 'draft', \(bind: content), \(bind: files), \(bind: remote), \(bind: new.credentialID), 1,
                        \(bind: actor), \(bind: ms), \(bind: ms))
                RETURNING id
                """).first() else { throw StorageError.corruptRow("INSERT returned no report") }
            let id = try row.decode(column: "id", as: Int64.self)
            try await Self.history([NewHistoryEntry(actor: actor, kind: "drafted", detail: ["case_id": .number(Double(new.caseID))])],
                                   reportID: id, ms: ms, sql)
            let created = try await Self.load(id, sql, dialect)
            try await EventSQL.append(events(created), at: time, on: sql, dialect)
            return created
        }
    }

    public func updateReport(id: Int64, at time: Date, fence: JobLease?,
                             _ change: @escaping @Sendable (Report) throws -> ReportChange) async throws -> Report {
        let ms = time.millisecondsSince1970
        let dialect = database.dialect
        return try await database.transaction { sql in
            // The job's row first, then the report's: the one lock order every writer takes.
            try await SQLJobStore.fence(fence, sql, dialect)
            let current = try await Self.load(id, sql, dialect, forUpdate: true)
            let decided = try change(current)
            var updated = decided.updated
            guard updated != current || !decided.history.isEmpty || decided.queueNextCall else { return current }
            if decided.queueNextCall {
                updated.jobID = try await SQLJobStore.insert(ReportCallJob.job(reportID: id, at: time), at: time, on: sql).id
            }
            try await sql.raw("""
                UPDATE reports SET state = \(bind: updated.state.rawValue), ncmec_report_id = \(bind: updated.remote.reportID),
                       content = \(bind: try Self.encode(StoredReportContent(updated.content))), files = \(bind: try Self.encode(updated.files.map(StoredReportFile.init))),
                       remote = \(bind: try Self.encode(StoredRemoteProgress(updated.remote))), credential_id = \(bind: updated.credentialID),
                       problem = \(bind: try updated.problem.map { try Self.encode(StoredReportProblem($0)) }), retract_requested = \(bind: updated.retractRequested),
                       approved_by = \(bind: updated.approvedBy), approved_at = \(bind: updated.approvedAt?.millisecondsSince1970),
                       job_id = \(bind: updated.jobID), version = version + 1, updated_at = \(bind: ms),
                       finished_at = \(bind: updated.finishedAt?.millisecondsSince1970)
                WHERE id = \(bind: id)
                """).run()
            try await Self.history(decided.history, reportID: id, ms: ms, sql)
            try await EventSQL.append(decided.events, at: time, on: sql, dialect)
            return try await Self.load(id, sql, dialect)
        }
    }

    public func report(id: Int64) async throws -> Report? {
        let dialect = database.dialect
        return try await database.run { sql in
            do { return try await Self.load(id, sql, dialect) } catch ReportError.notFound { return nil }
        }
    }

    public func history(reportID: Int64) async throws -> [HistoryEntry] {
        try await database.run { sql in
            try await sql.raw("SELECT id, at, actor, kind, detail FROM report_history WHERE report_id = \(bind: reportID) ORDER BY id")
                .all().map(SQLCaseStore.historyEntry)
        }
    }

    public func reports(_ filter: ReportFilter) async throws -> [Report] {
        try await database.run { sql in
            let query = sql.select().column(SQLRaw(Self.columns)).from("reports")
            if let states = filter.states, !states.isEmpty { query.where("state", .in, states.map(\.rawValue)) }
            if let caseID = filter.caseID { query.where("case_id", .equal, caseID) }
            if let before = filter.before { query.where("id", .lessThan, before) }
            return try await query.orderBy("id", .descending).limit(max(1, min(filter.limit, 1000))).all().map(Self.row)
        }
    }

    public func settings() async throws -> ReportingSettings {
        try await database.run { sql in
            guard let row = try await sql.raw("SELECT settings FROM report_settings WHERE id = 1").first() else { return ReportingSettings() }
            return try JSONCoding.decode(StoredReportingSettings.self, try row.decode(column: "settings", as: String.self), "the report settings").settings
        }
    }

    public func saveSettings(_ settings: ReportingSettings, at time: Date) async throws {
        let text = try JSONCoding.encode(StoredReportingSettings(settings))
        try await database.run { sql in
            try await sql.raw("""
                INSERT INTO report_settings (id, settings, updated_at) VALUES (1, \(bind: text), \(bind: time.millisecondsSince1970))
                ON CONFLICT (id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at
                """).run()
        }
    }

    // MARK: rows

    /// Dates as milliseconds, so a report read back equals the one written.
    static func encode<T: Encodable>(_ value: T) throws -> String { try JSONCoding.encode(value, millisecondDates: true) }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String, _ what: String) throws -> T {
        try JSONCoding.decode(type, text, what, millisecondDates: true)
    }

    static func load(_ id: Int64, _ sql: any SQLDatabase, _ dialect: Dialect, forUpdate: Bool = false) async throws -> Report {
        // FOR UPDATE (PostgreSQL): a second change waits for the first to commit and decides on
        // what it wrote. SQLite has one writer.
        let lock = forUpdate && dialect == .postgres ? " FOR UPDATE" : ""
        guard let row = try await sql.raw("SELECT \(unsafeRaw: columns) FROM reports WHERE id = \(bind: id)\(unsafeRaw: lock)").first() else {
            throw ReportError.notFound("report \(id)")
        }
        return try Self.row(row)
    }

    static func history(_ entries: [NewHistoryEntry], reportID: Int64, ms: Int64, _ sql: any SQLDatabase) async throws {
        for entry in entries {
            try await sql.raw("""
                INSERT INTO report_history (report_id, at, actor, kind, detail)
                VALUES (\(bind: reportID), \(bind: ms), \(bind: entry.actor), \(bind: entry.kind), \(bind: try JSONCoding.encode(entry.detail)))
                """).run()
        }
    }

    static func row(_ row: any SQLRow) throws -> Report {
        let stateName = try row.decode(column: "state", as: String.self)
        guard let state = ReportState(rawValue: stateName) else { throw StorageError.corruptRow("unknown report state \(stateName)") }
        return Report(
            id: try row.decode(column: "id", as: Int64.self), caseID: try row.decode(column: "case_id", as: Int64.self), state: state,
            content: try decode(StoredReportContent.self, try row.decode(column: "content", as: String.self), "a report's content").content,
            files: try decode([StoredReportFile].self, try row.decode(column: "files", as: String.self), "a report's files").map(\.file),
            remote: try decode(StoredRemoteProgress.self, try row.decode(column: "remote", as: String.self), "a report's NCMEC progress").remote,
            credentialID: try row.decode(column: "credential_id", as: String?.self),
            problem: try row.decode(column: "problem", as: String?.self).map { try decode(StoredReportProblem.self, $0, "a report's problem").problem },
            retractRequested: try row.decode(column: "retract_requested", as: Bool.self),
            approvedBy: try row.decode(column: "approved_by", as: String?.self),
            approvedAt: try row.decode(column: "approved_at", as: Int64?.self).map(Date.init(milliseconds:)),
            jobID: try row.decode(column: "job_id", as: Int64?.self), version: try row.decode(column: "version", as: Int.self),
            createdBy: try row.decode(column: "created_by", as: String.self),
            createdAt: Date(milliseconds: try row.decode(column: "created_at", as: Int64.self)),
            updatedAt: Date(milliseconds: try row.decode(column: "updated_at", as: Int64.self)),
            finishedAt: try row.decode(column: "finished_at", as: Int64?.self).map(Date.init(milliseconds:)))
    }
}
