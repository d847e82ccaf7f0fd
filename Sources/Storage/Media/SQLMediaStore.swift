public import Cases
public import Events
public import Foundation
import SQLKit

/// `MediaStore` on SQLKit: the `media` and `media_reveals` tables. Preservation dates only ever
/// move later; a purge is the one thing that ends a file.
public struct SQLMediaStore: MediaStore {
    public let database: VigilDatabase
    static let columns = "sha256, size, content_type, stored_at, keep_until, legal_hold, purged_at"

    public init(database: VigilDatabase) {
        self.database = database
    }

    public func record(sha256: String, size: Int, contentType: String, at time: Date) async throws -> StoredMedia {
        let ms = time.millisecondsSince1970
        return try await database.run { sql in
            try await sql.raw("""
                INSERT INTO media (sha256, size, content_type, stored_at) VALUES (\(bind: sha256), \(bind: size), \(bind: contentType), \(bind: ms))
                ON CONFLICT (sha256) DO UPDATE SET
                    stored_at = CASE WHEN media.purged_at IS NULL THEN media.stored_at ELSE excluded.stored_at END,
                    -- Stored again after a purge: a new file, whose keeping the new case decides.
                    keep_until = CASE WHEN media.purged_at IS NULL THEN media.keep_until ELSE NULL END,
                    purged_at = NULL
                """).run()
            guard let row = try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM media WHERE sha256 = \(bind: sha256)").first() else {
                throw StorageError.corruptRow("a stored evidence file has no record")
            }
            return try Self.media(row)
        }
    }

    public func media(sha256: String) async throws -> StoredMedia? {
        try await database.run { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM media WHERE sha256 = \(bind: sha256)").first().map(Self.media)
        }
    }

    static let revealColumns = "id, media_sha256, case_id, actor, remote, at, queues, priority, ended_at"

    public func recordReveal(sha256: String, caseID: Int64, actor: String, remote: String?, at time: Date, line: NewHistoryEntry,
                             event: NewEvent, budget: ExposureBudget?) async throws -> MediaReveal {
        let dialect = database.dialect
        return try await database.transaction { sql in
            guard try await sql.raw("SELECT 1 AS cited FROM case_evidence WHERE case_id = \(bind: caseID) AND media_sha256 = \(bind: sha256)").first() != nil
            else { throw CaseError.notFound("evidence file \(sha256) in case \(caseID) (a file is revealed only for a case that cites it)") }
            // The file's severity, not only this case's: every queue of a case citing it, and the
            // most severe priority of those cases and of any earlier reveal of it — so revealing
            // it through a milder case, or after lowering the case's priority, counts the same.
            let citing = try await sql.raw("""
                SELECT c.queue, c.priority FROM case_evidence e JOIN cases c ON c.id = e.case_id WHERE e.media_sha256 = \(bind: sha256)
                """).all()
            let queues = Array(Set(try citing.map { try $0.decode(column: "queue", as: String.self) })).sorted()
            let earlier = try await sql.raw("SELECT DISTINCT priority FROM media_reveals WHERE media_sha256 = \(bind: sha256) AND priority IS NOT NULL").all()
            let levels = try (citing + earlier).map { try Self.priority(try $0.decode(column: "priority", as: String.self)) }
            guard let priority = levels.max() else { throw CaseError.notFound("case \(caseID)") }
            if let budget {
                // One reveal of this person's at a time (PostgreSQL: a lock for the transaction;
                // SQLite has one writer), so the counts below are what the insert adds to.
                if dialect == .postgres {
                    try await sql.raw("SELECT pg_advisory_xact_lock(hashtext(\(bind: "reveal:" + actor)))").run()
                }
                let since = time.addingTimeInterval(-budget.shift).millisecondsSince1970
                let reveals = try await sql.raw("SELECT \(unsafeRaw: Self.revealColumns) FROM media_reveals WHERE actor = \(bind: actor) AND at >= \(bind: since)")
                    .all().map(Self.reveal)
                let exposure = budget.exposure(of: actor, reveals: reveals, limits: try await Self.limits(sql))
                if let refused = exposure.refusal(queues: queues, priority: priority) { throw CaseError.exposureLimit(exposure, refusedBy: refused) }
            }
            // A line on the case's timeline, not a change of the case: its version stays.
            try await SQLCaseStore.history([line], of: .case(caseID), ms: time.millisecondsSince1970, sql)
            guard let row = try await sql.raw("""
                INSERT INTO media_reveals (media_sha256, case_id, actor, remote, at, queues, priority)
                VALUES (\(bind: sha256), \(bind: caseID), \(bind: actor), \(bind: remote), \(bind: time.millisecondsSince1970),
                        \(bind: queues.joined(separator: "\n")), \(bind: priority.rawValue))
                RETURNING \(unsafeRaw: Self.revealColumns)
                """).first() else { throw StorageError.corruptRow("INSERT returned no reveal") }
            try await EventSQL.append([event], at: time, on: sql, dialect)
            return try Self.reveal(row)
        }
    }

    public func endReveal(id: Int64, actor: String, at time: Date) async throws -> MediaReveal? {
        try await database.run { sql in
            try await sql.raw("""
                UPDATE media_reveals SET ended_at = \(bind: time.millisecondsSince1970)
                WHERE id = \(bind: id) AND actor = \(bind: actor) AND ended_at IS NULL
                """).run()
            return try await sql.raw("SELECT \(unsafeRaw: Self.revealColumns) FROM media_reveals WHERE id = \(bind: id) AND actor = \(bind: actor)")
                .first().map(Self.reveal)
        }
    }

    public func exposureLimits() async throws -> [ExposureLimit] {
        try await database.run { sql in try await Self.limits(sql) }
    }

    static func limits(_ sql: any SQLDatabase) async throws -> [ExposureLimit] {
        try await sql.raw("SELECT scope, name, reveals_per_shift, seconds_per_shift FROM exposure_limits ORDER BY scope, name").all().map { row in
            let kind = try row.decode(column: "scope", as: String.self), name = try row.decode(column: "name", as: String.self)
            let scope: ExposureScope
            do { scope = try ExposureScope.named(kind: kind, name: name) } catch {
                throw StorageError.corruptRow("exposure cap \(kind) \(name): \(error)")
            }
            return ExposureLimit(scope: scope, revealsPerShift: try row.decode(column: "reveals_per_shift", as: Int?.self),
                                 secondsPerShift: try row.decode(column: "seconds_per_shift", as: Int?.self))
        }
    }

    public func saveExposureLimit(_ limit: ExposureLimit, at time: Date) async throws {
        try await database.run { sql in
            try await sql.raw("""
                INSERT INTO exposure_limits (scope, name, reveals_per_shift, seconds_per_shift, updated_at)
                VALUES (\(bind: limit.scope.kind), \(bind: limit.scope.name), \(bind: limit.revealsPerShift), \(bind: limit.secondsPerShift), \(bind: time.millisecondsSince1970))
                ON CONFLICT (scope, name) DO UPDATE SET reveals_per_shift = excluded.reveals_per_shift,
                    seconds_per_shift = excluded.seconds_per_shift, updated_at = excluded.updated_at
                """).run()
        }
    }

    public func removeExposureLimit(_ scope: ExposureScope) async throws -> Bool {
        try await database.run { sql in
            try await sql.raw("DELETE FROM exposure_limits WHERE scope = \(bind: scope.kind) AND name = \(bind: scope.name) RETURNING scope").first() != nil
        }
    }

    public func reveals(sha256: String) async throws -> [MediaReveal] {
        try await database.run { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.revealColumns) FROM media_reveals WHERE media_sha256 = \(bind: sha256) ORDER BY id")
                .all().map(Self.reveal)
        }
    }

    public func reveals(since: Date, actor: String?) async throws -> [MediaReveal] {
        try await database.run { sql in
            let query = sql.select().columns("id", "media_sha256", "case_id", "actor", "remote", "at", "queues", "priority", "ended_at").from("media_reveals")
                .where("at", .greaterThanOrEqual, since.millisecondsSince1970)
            if let actor { query.where("actor", .equal, actor) }
            return try await query.orderBy("id", .descending).all().map(Self.reveal)
        }
    }

    public func preserve(caseID: Int64, until: Date) async throws {
        let ms = until.millisecondsSince1970
        try await database.run { sql in
            try await sql.raw("""
                UPDATE media SET keep_until = \(bind: ms)
                WHERE sha256 IN (SELECT media_sha256 FROM case_evidence WHERE case_id = \(bind: caseID) AND media_sha256 IS NOT NULL)
                  AND (keep_until IS NULL OR keep_until < \(bind: ms))
                """).run()
        }
    }

    public func keep(sha256: String, until: Date) async throws {
        let ms = until.millisecondsSince1970
        try await database.run { sql in
            try await sql.raw("""
                UPDATE media SET keep_until = \(bind: ms) WHERE sha256 = \(bind: sha256) AND (keep_until IS NULL OR keep_until < \(bind: ms))
                """).run()
        }
    }

    public func release(caseID: Int64, until: Date, falsePositiveStatus: String) async throws {
        try await database.run { sql in
            try await sql.raw("""
                UPDATE media SET keep_until = \(bind: until.millisecondsSince1970)
                WHERE sha256 IN (SELECT media_sha256 FROM case_evidence WHERE case_id = \(bind: caseID) AND media_sha256 IS NOT NULL)
                  AND keep_until IS NULL AND legal_hold = FALSE
                  AND NOT EXISTS (SELECT 1 FROM case_evidence e JOIN cases c ON c.id = e.case_id
                                  WHERE e.media_sha256 = media.sha256 AND c.id <> \(bind: caseID)
                                    AND (c.is_final = FALSE OR c.status <> \(bind: falsePositiveStatus)))
                """).run()
        }
    }

    public func hold(sha256: String, on: Bool, until: Date?) async throws -> StoredMedia? {
        try await database.run { sql in
            if let until {
                let ms = until.millisecondsSince1970
                try await sql.raw("""
                    UPDATE media SET legal_hold = \(bind: on), keep_until = CASE WHEN keep_until IS NULL OR keep_until < \(bind: ms) THEN \(bind: ms) ELSE keep_until END
                    WHERE sha256 = \(bind: sha256)
                    """).run()
            } else {
                try await sql.raw("UPDATE media SET legal_hold = \(bind: on) WHERE sha256 = \(bind: sha256)").run()
            }
            return try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM media WHERE sha256 = \(bind: sha256)").first().map(Self.media)
        }
    }

    public func due(at time: Date, limit: Int) async throws -> [StoredMedia] {
        try await database.run { sql in
            try await sql.raw("""
                SELECT \(unsafeRaw: Self.columns) FROM media
                WHERE purged_at IS NULL AND legal_hold = FALSE AND keep_until IS NOT NULL AND keep_until <= \(bind: time.millisecondsSince1970)
                  AND NOT EXISTS (SELECT 1 FROM case_evidence e JOIN cases c ON c.id = e.case_id WHERE e.media_sha256 = media.sha256 AND c.is_final = FALSE)
                ORDER BY keep_until LIMIT \(unsafeRaw: String(max(1, min(limit, 10_000))))
                """).all().map(Self.media)
        }
    }

    public func markPurged(sha256: String, at time: Date, event: NewEvent) async throws {
        let dialect = database.dialect
        try await database.transaction { sql in
            try await sql.raw("UPDATE media SET purged_at = \(bind: time.millisecondsSince1970) WHERE sha256 = \(bind: sha256)").run()
            try await EventSQL.append([event], at: time, on: sql, dialect)
        }
    }

    static func media(_ row: any SQLRow) throws -> StoredMedia {
        StoredMedia(sha256: try row.decode(column: "sha256", as: String.self), size: try row.decode(column: "size", as: Int.self),
                    contentType: try row.decode(column: "content_type", as: String.self),
                    storedAt: Date(milliseconds: try row.decode(column: "stored_at", as: Int64.self)),
                    keepUntil: try row.decode(column: "keep_until", as: Int64?.self).map(Date.init(milliseconds:)),
                    legalHold: try row.decode(column: "legal_hold", as: Bool.self),
                    purgedAt: try row.decode(column: "purged_at", as: Int64?.self).map(Date.init(milliseconds:)))
    }

    static func reveal(_ row: any SQLRow) throws -> MediaReveal {
        MediaReveal(id: try row.decode(column: "id", as: Int64.self), sha256: try row.decode(column: "media_sha256", as: String.self),
                    caseID: try row.decode(column: "case_id", as: Int64?.self), actor: try row.decode(column: "actor", as: String.self),
                    remote: try row.decode(column: "remote", as: String?.self), at: Date(milliseconds: try row.decode(column: "at", as: Int64.self)),
                    // Queue names hold no control character: one a line.
                    queues: (try row.decode(column: "queues", as: String?.self) ?? "").split(separator: "\n").map(String.init),
                    priority: try row.decode(column: "priority", as: String?.self).map(priority),
                    endedAt: try row.decode(column: "ended_at", as: Int64?.self).map(Date.init(milliseconds:)))
    }

    static func priority(_ raw: String) throws -> Priority {
        guard let level = Priority(rawValue: raw) else { throw StorageError.corruptRow("a case's priority \(raw.debugDescription)") }
        return level
    }
}
