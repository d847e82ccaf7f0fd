public import Foundation
public import Jobs
import JSONValues
import SQLKit
public import Workflows

/// Runs and their steps. A run and the job that executes it are written in one transaction, so
/// there is never a run no worker will pick up, nor a job without its run.
extension SQLWorkflowStore {
    static let runColumns = """
        id, workflow_id, version, status, trigger_kind, input, idempotency_key, rerun_of, error, cancel_requested,
        created_at, started_at, finished_at, updated_at
        """

    public func createRun(_ new: NewRun, jobKind: String, at time: Date) async throws -> (run: WorkflowRun, created: Bool) {
        let input = try Self.json(new.input)
        let ms = time.millisecondsSince1970
        let dialect = database.dialect
        let status: RunStatus = new.failure == nil ? .queued : .failed
        let finished: Int64? = new.failure == nil ? nil : ms
        return try await database.transaction { sql in
            let inserted = try await sql.raw("""
                INSERT INTO workflow_runs (workflow_id, version, status, trigger_kind, input, idempotency_key, rerun_of, error, created_at, updated_at,
                                           finished_at)
                VALUES (\(bind: new.workflowID), \(bind: new.version), \(bind: status.rawValue), \(bind: new.trigger.rawValue), \(bind: input),
                        \(bind: new.idempotencyKey), \(bind: new.rerunOf), \(bind: new.failure), \(bind: ms), \(bind: ms), \(bind: finished))
                ON CONFLICT (workflow_id, idempotency_key) DO NOTHING
                RETURNING \(unsafeRaw: Self.runColumns)
                """).first()
            guard let inserted else {
                // Another call with this key won (committed before this statement looked).
                guard let existing = try await sql.raw("""
                    SELECT \(unsafeRaw: Self.runColumns) FROM workflow_runs
                    WHERE workflow_id = \(bind: new.workflowID) AND idempotency_key = \(bind: new.idempotencyKey)
                    """).first() else { throw StorageError.corruptRow("a run's idempotency key conflicted, but no run holds it") }
                return (try Self.run(existing), false)
            }
            let run = try Self.run(inserted)
            if run.status == .failed {
                try await EventSQL.append([run.failedEvent], at: time, on: sql, dialect)
                return (run, true)
            }
            // Many attempts: each wait for a step's next try counts one.
            let job = try await SQLJobStore.insert(NewJob(kind: jobKind, payload: try WorkflowRunJob.payload(runID: run.id), maxAttempts: 50, runAfter: time),
                                                   at: time, on: sql).id
            try await sql.raw("UPDATE workflow_runs SET job_id = \(bind: job) WHERE id = \(bind: run.id)").run()
            return (run, true)
        }
    }

    public func run(id: Int64) async throws -> WorkflowRun? {
        try await database.run { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.runColumns) FROM workflow_runs WHERE id = \(bind: id)").first().map(Self.run)
        }
    }

    public func runs(_ filter: RunFilter) async throws -> [WorkflowRun] {
        try await database.run { sql in
            let query = sql.select().column(SQLRaw(Self.runColumns)).from("workflow_runs")
            if let workflow = filter.workflowID { query.where("workflow_id", .equal, workflow) }
            if let statuses = filter.statuses, !statuses.isEmpty { query.where("status", .in, statuses.map(\.rawValue)) }
            if let since = filter.since { query.where("created_at", .greaterThanOrEqual, since.millisecondsSince1970) }
            if let until = filter.until { query.where("created_at", .lessThan, until.millisecondsSince1970) }
            if let before = filter.before { query.where("id", .lessThan, before) }
            return try await query.orderBy("id", .descending).limit(max(1, min(filter.limit, 1000))).all().map(Self.run)
        }
    }

    @discardableResult
    public func setRunStatus(id: Int64, _ status: RunStatus, error: String?, at time: Date, lease: JobLease?) async throws -> Bool {
        let ms = time.millisecondsSince1970
        let finished: Int64? = status.isFinished ? ms : nil
        let dialect = database.dialect
        return try await database.transaction { sql in
            try await Self.fence(lease, sql, dialect)
            guard let row = try await sql.raw("""
                UPDATE workflow_runs SET status = \(bind: status.rawValue), error = \(bind: error), updated_at = \(bind: ms),
                       started_at = CASE WHEN started_at IS NULL AND \(bind: status.rawValue) = 'running' THEN \(bind: ms) ELSE started_at END,
                       finished_at = \(bind: finished)
                WHERE id = \(bind: id) AND status NOT IN ('succeeded', 'failed', 'cancelled')
                RETURNING \(unsafeRaw: Self.runColumns)
                """).first() else { return false }
            if status == .failed { try await EventSQL.append([try Self.run(row).failedEvent], at: time, on: sql, dialect) }
            return true
        }
    }

    /// Refuses the transaction's write unless `lease` still holds the run's job.
    static func fence(_ lease: JobLease?, _ sql: any SQLDatabase, _ dialect: Dialect) async throws {
        try await SQLJobStore.fence(lease, sql, dialect)
    }

    public func requestCancel(runID: Int64, at time: Date) async throws -> WorkflowRun? {
        let ms = time.millisecondsSince1970
        return try await database.run { sql in
            // Not started, or waiting for a step's next try: cancelled now (its job finds it
            // finished). Running: flagged, and the engine stops before its next step.
            try await sql.raw("""
                UPDATE workflow_runs SET cancel_requested = TRUE, updated_at = \(bind: ms),
                       status = CASE WHEN status IN ('queued', 'waiting') THEN 'cancelled' ELSE status END,
                       finished_at = CASE WHEN status IN ('queued', 'waiting') THEN \(bind: ms) ELSE finished_at END
                WHERE id = \(bind: runID)
                RETURNING \(unsafeRaw: Self.runColumns)
                """).first().map(Self.run)
        }
    }

    // MARK: steps

    static let stepColumns = "run_id, step_id, status, attempts, input, output, error, started_at, finished_at, next_attempt_at, worker"

    public func steps(runID: Int64) async throws -> [StepRecord] {
        try await database.run { sql in
            try await sql.raw("""
                SELECT \(unsafeRaw: Self.stepColumns) FROM workflow_steps WHERE run_id = \(bind: runID) ORDER BY started_at, step_id
                """).all().map(Self.step)
        }
    }

    public func saveStep(_ record: StepRecord, lease: JobLease?) async throws {
        let input = try record.input.map(Self.json)
        let output = try record.output.map(Self.json)
        let dialect = database.dialect
        try await database.transaction { sql in
            try await Self.fence(lease, sql, dialect)
            try await sql.raw("""
                INSERT INTO workflow_steps (\(unsafeRaw: Self.stepColumns))
                VALUES (\(bind: record.runID), \(bind: record.stepID), \(bind: record.status.rawValue), \(bind: record.attempts), \(bind: input),
                        \(bind: output), \(bind: record.error), \(bind: record.startedAt.millisecondsSince1970),
                        \(bind: record.finishedAt?.millisecondsSince1970), \(bind: record.nextAttemptAt?.millisecondsSince1970), \(bind: record.worker))
                ON CONFLICT (run_id, step_id) DO UPDATE SET status = excluded.status, attempts = excluded.attempts, input = excluded.input,
                    output = excluded.output, error = excluded.error, started_at = excluded.started_at, finished_at = excluded.finished_at,
                    next_attempt_at = excluded.next_attempt_at, worker = excluded.worker
                """).run()
        }
    }

    // MARK: rows

    static func run(_ row: any SQLRow) throws -> WorkflowRun {
        let statusText = try row.decode(column: "status", as: String.self)
        let triggerText = try row.decode(column: "trigger_kind", as: String.self)
        guard let status = RunStatus(rawValue: statusText), let trigger = RunTrigger(rawValue: triggerText) else {
            throw StorageError.corruptRow("a workflow run has status \(statusText) and trigger \(triggerText)")
        }
        return WorkflowRun(
            id: try row.decode(column: "id", as: Int64.self), workflowID: try row.decode(column: "workflow_id", as: String.self),
            version: try row.decode(column: "version", as: Int.self), status: status, trigger: trigger,
            input: try decode(JSONValue.self, try row.decode(column: "input", as: String.self), "a run's input"),
            idempotencyKey: try row.decode(column: "idempotency_key", as: String?.self),
            rerunOf: try row.decode(column: "rerun_of", as: Int64?.self), error: try row.decode(column: "error", as: String?.self),
            cancelRequested: try row.decode(column: "cancel_requested", as: Bool.self),
            createdAt: Date(milliseconds: try row.decode(column: "created_at", as: Int64.self)),
            startedAt: try row.decode(column: "started_at", as: Int64?.self).map(Date.init(milliseconds:)),
            finishedAt: try row.decode(column: "finished_at", as: Int64?.self).map(Date.init(milliseconds:)),
            updatedAt: Date(milliseconds: try row.decode(column: "updated_at", as: Int64.self)))
    }

    static func step(_ row: any SQLRow) throws -> StepRecord {
        let statusText = try row.decode(column: "status", as: String.self)
        guard let status = StepStatus(rawValue: statusText) else { throw StorageError.corruptRow("a workflow step has status \(statusText)") }
        return StepRecord(
            runID: try row.decode(column: "run_id", as: Int64.self), stepID: try row.decode(column: "step_id", as: String.self),
            status: status, attempts: try row.decode(column: "attempts", as: Int.self),
            input: try row.decode(column: "input", as: String?.self).map { try decode(JSONValue.self, $0, "a step's input") },
            output: try row.decode(column: "output", as: String?.self).map { try decode(JSONValue.self, $0, "a step's output") },
            error: try row.decode(column: "error", as: String?.self),
            startedAt: Date(milliseconds: try row.decode(column: "started_at", as: Int64.self)),
            finishedAt: try row.decode(column: "finished_at", as: Int64?.self).map(Date.init(milliseconds:)),
            nextAttemptAt: try row.decode(column: "next_attempt_at", as: Int64?.self).map(Date.init(milliseconds:)),
            worker: try row.decode(column: "worker", as: String?.self))
    }
}
