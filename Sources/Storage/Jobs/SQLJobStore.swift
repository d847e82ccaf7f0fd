public import Foundation
public import Jobs
import SQLKit

/// `JobStore` on SQLKit. A claim finds and takes a job in one transaction: on PostgreSQL the row
/// is locked with `FOR UPDATE SKIP LOCKED`, so workers in several processes never wait on each
/// other nor take the same job; SQLite has one writer, so its claim is atomic as it is.
public struct SQLJobStore: JobStore {
    public let database: VigilDatabase

    public init(database: VigilDatabase) {
        self.database = database
    }

    static let columns = """
        id, kind, payload, state, attempts, max_attempts, run_after, lease_owner, lease_until, affinity, progress, result, error,
        cancel_requested, created_at, updated_at, finished_at, lease_token, interruptions, trace_context
        """

    public func enqueue(_ job: NewJob, at time: Date) async throws -> Job {
        try await database.run { sql in try await Self.insert(job, at: time, on: sql) }
    }

    /// Adds a job on `sql`, inside the caller's transaction when it has one (a workflow run and
    /// its job are written together).
    static func insert(_ job: NewJob, at time: Date, on sql: any SQLDatabase) async throws -> Job {
        let ms = time.millisecondsSince1970
        guard let row = try await sql.raw("""
            INSERT INTO jobs (kind, payload, state, max_attempts, run_after, affinity, created_at, updated_at, trace_context)
            VALUES (\(bind: job.kind), \(bind: job.payload), 'queued', \(bind: job.maxAttempts), \(bind: job.runAfter.millisecondsSince1970),
                    \(bind: job.affinity), \(bind: ms), \(bind: ms), \(bind: job.traceContext))
            RETURNING \(unsafeRaw: Self.columns)
            """).first() else { throw StorageError.corruptRow("INSERT returned no job") }
        return try Self.job(row)
    }

    /// Adds many jobs with one statement on `sql` (the webhook deliveries of a batch of events);
    /// returns their ids in the order given.
    static func insertMany(_ jobs: [NewJob], at time: Date, on sql: any SQLDatabase) async throws -> [Int64] {
        guard !jobs.isEmpty else { return [] }
        let ms = time.millisecondsSince1970
        var query = SQLQueryString("INSERT INTO jobs (kind, payload, state, max_attempts, run_after, affinity, created_at, updated_at, trace_context) VALUES ")
        for (index, job) in jobs.enumerated() {
            query.appendLiteral(index == 0 ? "(" : ", (")
            query.appendInterpolation(bind: job.kind)
            query.appendLiteral(", ")
            query.appendInterpolation(bind: job.payload)
            query.appendLiteral(", 'queued', \(job.maxAttempts), \(job.runAfter.millisecondsSince1970), ")
            query.appendInterpolation(bind: job.affinity)
            query.appendLiteral(", \(ms), \(ms), ")
            query.appendInterpolation(bind: job.traceContext)
            query.appendLiteral(")")
        }
        query.appendLiteral(" RETURNING id")
        // Ids are given in the order of the VALUES; RETURNING's row order is not promised.
        let ids = try await sql.raw(query).all().map { try $0.decode(column: "id", as: Int64.self) }.sorted()
        guard ids.count == jobs.count else { throw StorageError.corruptRow("INSERT returned \(ids.count) of \(jobs.count) jobs") }
        return ids
    }

    public func job(id: Int64) async throws -> Job? {
        try await database.run { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM jobs WHERE id = \(bind: id)").first().map(Self.job)
        }
    }

    public func jobs(kinds: [String]?, states: [JobState]?, limit: Int) async throws -> [Job] {
        try await database.run { sql in
            let query = sql.select().column(SQLRaw(Self.columns)).from("jobs")
            if let kinds {
                guard !kinds.isEmpty else { return [] }
                query.where("kind", .in, kinds)
            }
            if let states {
                guard !states.isEmpty else { return [] }
                query.where("state", .in, states.map(\.rawValue))
            }
            query.orderBy("id", .descending).limit(max(1, min(limit, 1000)))
            return try await query.all().map(Self.job)
        }
    }

    public func claim(kinds: [String], owner: String, affinity: String?, leaseUntil: Date, now: Date) async throws -> Job? {
        guard !kinds.isEmpty else { return nil }
        let (nowMS, untilMS) = (now.millisecondsSince1970, leaseUntil.millisecondsSince1970)
        let lock = database.dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        return try await database.transaction { sql in
            var find = SQLQueryString("SELECT id, state FROM jobs WHERE kind IN (\(binds: kinds)) AND ")
            find.appendLiteral("((state = 'queued' AND run_after <= \(nowMS)) OR (state = 'running' AND lease_until < \(nowMS))) AND ")
            if let affinity {
                find.appendLiteral("(affinity IS NULL OR affinity = ")
                find.appendInterpolation(bind: affinity)
                find.appendLiteral(")")
            } else {
                find.appendLiteral("affinity IS NULL")
            }
            find.appendLiteral(" ORDER BY run_after, id LIMIT 1\(lock)")
            guard let found = try await sql.raw(find).first() else { return nil }
            let id = try found.decode(column: "id", as: Int64.self)
            let interrupted = try found.decode(column: "state", as: String.self) == JobState.running.rawValue
            // A new token at every claim: the claim that lost the job can no longer write for it.
            let token = Self.newToken()
            guard let row = try await sql.raw("""
                UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = \(bind: owner), lease_until = \(bind: untilMS),
                    lease_token = \(bind: token), interruptions = interruptions + \(unsafeRaw: interrupted ? "1" : "0"), updated_at = \(bind: nowMS)
                WHERE id = \(bind: id)
                RETURNING \(unsafeRaw: Self.columns)
                """).first() else { return nil }
            var job = try Self.job(row)
            job.wasInterrupted = interrupted
            return job
        }
    }

    public func heartbeat(_ lease: JobLease, leaseUntil: Date, progress: String?, now: Date) async throws -> Bool {
        try await database.run { sql in
            guard let row = try await sql.raw("""
                UPDATE jobs SET lease_until = \(bind: leaseUntil.millisecondsSince1970), progress = COALESCE(\(bind: progress), progress),
                    updated_at = \(bind: now.millisecondsSince1970)
                WHERE id = \(bind: lease.jobID) AND lease_token = \(bind: lease.token) AND state = 'running'
                RETURNING cancel_requested
                """).first() else { throw JobError.leaseLost(lease.jobID) }
            return try row.decode(column: "cancel_requested", as: Bool.self)
        }
    }

    public func finish(_ lease: JobLease, outcome: JobOutcome, progress: String?, now: Date) async throws {
        let nowMS = now.millisecondsSince1970
        let (state, result, error, runAfter, finished): (JobState, String?, String?, Int64?, Int64?) = switch outcome {
        case let .succeeded(result): (.succeeded, result, nil, nil, nowMS)
        case let .failed(error): (.failed, nil, error, nil, nowMS)
        case let .retry(error, at): (.queued, nil, error, at.millisecondsSince1970, nil)
        case .cancelled: (.cancelled, nil, nil, nil, nowMS)
        }
        let updated = try await database.run { sql in
            try await sql.raw("""
                UPDATE jobs SET state = \(bind: state.rawValue), result = \(bind: result), error = \(bind: error),
                    progress = COALESCE(\(bind: progress), progress), run_after = COALESCE(\(bind: runAfter), run_after),
                    lease_owner = NULL, lease_until = NULL, lease_token = NULL, updated_at = \(bind: nowMS), finished_at = \(bind: finished)
                WHERE id = \(bind: lease.jobID) AND lease_token = \(bind: lease.token) AND state = 'running'
                RETURNING id
                """).all().count
        }
        if updated == 0 { throw JobError.leaseLost(lease.jobID) }
    }

    public func release(_ lease: JobLease, progress: String?, now: Date) async throws {
        let nowMS = now.millisecondsSince1970
        let updated = try await database.run { sql in
            try await sql.raw("""
                UPDATE jobs SET state = 'queued', run_after = \(bind: nowMS), progress = COALESCE(\(bind: progress), progress),
                    lease_owner = NULL, lease_until = NULL, lease_token = NULL, updated_at = \(bind: nowMS)
                WHERE id = \(bind: lease.jobID) AND lease_token = \(bind: lease.token) AND state = 'running'
                RETURNING id
                """).all().count
        }
        if updated == 0 { throw JobError.leaseLost(lease.jobID) }
    }

    public func failedJobs(since: Date, limit: Int) async throws -> [Job] {
        try await database.run { sql in
            try await sql.raw("""
                SELECT \(unsafeRaw: Self.columns) FROM jobs WHERE state = 'failed' AND finished_at >= \(bind: since.millisecondsSince1970)
                ORDER BY finished_at DESC, id DESC LIMIT \(unsafeRaw: String(max(1, min(limit, 1000))))
                """).all().map(Self.job)
        }
    }

    /// Refuses the transaction's write unless `lease` still holds its job (the claim that drew
    /// the token, still running). On PostgreSQL the job row stays locked until the write commits,
    /// so a takeover waits for it rather than racing it.
    static func fence(_ lease: JobLease?, _ sql: any SQLDatabase, _ dialect: Dialect) async throws {
        guard let lease else { return }
        let lock = dialect == .postgres ? " FOR UPDATE" : ""
        let held = try await sql.raw("""
            SELECT id FROM jobs WHERE id = \(bind: lease.jobID) AND lease_token = \(bind: lease.token) AND state = 'running'\(unsafeRaw: lock)
            """).first()
        if held == nil { throw JobError.leaseLost(lease.jobID) }
    }

    static func newToken() -> String {
        (0..<4).map { _ in String(UInt32.random(in: 0...UInt32.max), radix: 16) }.joined(separator: "-")
    }

    public func requestCancel(id: Int64, now: Date) async throws -> Job? {
        let ms = now.millisecondsSince1970
        return try await database.transaction { sql in
            try await sql.raw("""
                UPDATE jobs SET state = 'cancelled', finished_at = \(bind: ms), updated_at = \(bind: ms)
                WHERE id = \(bind: id) AND state = 'queued'
                """).run()
            try await sql.raw("""
                UPDATE jobs SET cancel_requested = TRUE, updated_at = \(bind: ms) WHERE id = \(bind: id) AND state = 'running'
                """).run()
            return try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM jobs WHERE id = \(bind: id)").first().map(Self.job)
        }
    }

    static func job(_ row: any SQLRow) throws -> Job {
        let stateText = try row.decode(column: "state", as: String.self)
        guard let state = JobState(rawValue: stateText) else { throw StorageError.corruptRow("job state \"\(stateText.prefix(20))\"") }
        var job = Job(
            id: try row.decode(column: "id", as: Int64.self),
            kind: try row.decode(column: "kind", as: String.self),
            payload: try row.decode(column: "payload", as: String.self),
            state: state,
            attempts: try row.decode(column: "attempts", as: Int.self),
            maxAttempts: try row.decode(column: "max_attempts", as: Int.self),
            runAfter: Date(milliseconds: try row.decode(column: "run_after", as: Int64.self)),
            leaseOwner: try row.decode(column: "lease_owner", as: String?.self),
            leaseUntil: try row.decode(column: "lease_until", as: Int64?.self).map(Date.init(milliseconds:)),
            affinity: try row.decode(column: "affinity", as: String?.self),
            progress: try row.decode(column: "progress", as: String?.self),
            result: try row.decode(column: "result", as: String?.self),
            error: try row.decode(column: "error", as: String?.self),
            cancelRequested: try row.decode(column: "cancel_requested", as: Bool.self),
            createdAt: Date(milliseconds: try row.decode(column: "created_at", as: Int64.self)),
            updatedAt: Date(milliseconds: try row.decode(column: "updated_at", as: Int64.self)),
            finishedAt: try row.decode(column: "finished_at", as: Int64?.self).map(Date.init(milliseconds:)))
        job.leaseToken = try row.decode(column: "lease_token", as: String?.self)
        job.interruptions = try row.decode(column: "interruptions", as: Int.self)
        job.traceContext = try row.decode(column: "trace_context", as: String?.self)
        return job
    }
}
