import Cases
import Integrations
import SQLKit

/// The schema, as numbered migrations run at start and recorded in `vigil_schema_migrations`.
/// Dialect differences stay in `Dialect`; every statement here is written once.
struct Migration: Sendable {
    let version: Int
    let name: String
    let statements: @Sendable (Dialect) -> [String]
    /// Asked in the migration's transaction before its statements: what stored data must be
    /// changed first, in words (the migration is not applied).
    var blocker: @Sendable (any SQLDatabase, Dialect) async throws -> String? = { _, _ in nil }
    /// Run after the statements, in the same transaction: what stored data needs Swift to be
    /// rewritten (a key folded as the application folds it). May refuse, like `blocker`.
    var rewrite: @Sendable (any SQLDatabase) async throws -> Void = { _ in }
}

enum Migrations {
    static let all: [Migration] = [
        Migration(version: 1, name: "banks and entries") { d in
            [
                """
                CREATE TABLE banks (
                    id \(d.autoIncrementKey),
                    name TEXT NOT NULL UNIQUE,
                    description TEXT NOT NULL DEFAULT '',
                    kind TEXT NOT NULL CHECK (kind IN ('match', 'allow')),
                    enabled BOOLEAN NOT NULL,
                    pdq_threshold INTEGER NOT NULL CHECK (pdq_threshold BETWEEN 0 AND 256),
                    labels TEXT NOT NULL DEFAULT '[]',
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE bank_entries (
                    id \(d.autoIncrementKey),
                    bank_id BIGINT NOT NULL REFERENCES banks(id) ON DELETE CASCADE,
                    pdq \(d.blob) CHECK (pdq IS NULL OR \(d.byteLength("pdq")) = 32),
                    pdq_quality INTEGER CHECK (pdq_quality IS NULL OR pdq_quality BETWEEN 0 AND 100),
                    md5 TEXT CHECK (md5 IS NULL OR length(md5) = 32),
                    sha256 TEXT CHECK (sha256 IS NULL OR length(sha256) = 64),
                    external_id TEXT,
                    metadata TEXT NOT NULL DEFAULT '{}',
                    disabled_until BIGINT,
                    added_by TEXT NOT NULL,
                    added_at BIGINT NOT NULL,
                    CHECK (pdq IS NOT NULL OR md5 IS NOT NULL OR sha256 IS NOT NULL)
                )
                """,
                // One signal once per bank: adding it again is a no-op (ON CONFLICT DO NOTHING).
                "CREATE UNIQUE INDEX bank_entries_pdq ON bank_entries (bank_id, pdq) WHERE pdq IS NOT NULL",
                "CREATE UNIQUE INDEX bank_entries_md5 ON bank_entries (bank_id, md5) WHERE md5 IS NOT NULL",
                "CREATE UNIQUE INDEX bank_entries_sha256 ON bank_entries (bank_id, sha256) WHERE sha256 IS NOT NULL",
                "CREATE INDEX bank_entries_external ON bank_entries (bank_id, external_id) WHERE external_id IS NOT NULL",
            ]
        },
        Migration(version: 2, name: "api keys") { d in
            [
                // Only a SHA-256 digest of each secret is stored; `prefix` lets people tell keys apart.
                """
                CREATE TABLE api_keys (
                    id \(d.autoIncrementKey),
                    label TEXT NOT NULL DEFAULT '',
                    role TEXT NOT NULL CHECK (role IN ('matcher', 'curator', 'admin')),
                    digest TEXT NOT NULL UNIQUE CHECK (length(digest) = 64),
                    prefix TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    revoked_at BIGINT
                )
                """,
            ]
        },
        Migration(version: 3, name: "bank change log") { d in
            [
                // One row a change to banks or entries, written in the change's own transaction;
                // every process's index follows it by `seq` (see ChangeLogSQL). A removal row keeps
                // the signals the entry was indexed under; an addition names its entries as id runs.
                """
                CREATE TABLE bank_changes (
                    seq \(d.autoIncrementKey),
                    op TEXT NOT NULL,
                    bank_id BIGINT NOT NULL,
                    entry_id BIGINT,
                    entry_runs TEXT,
                    pdq \(d.blob),
                    md5 TEXT,
                    sha256 TEXT,
                    at BIGINT NOT NULL
                )
                """,
            ]
        },
        Migration(version: 4, name: "job queue") { d in
            [
                // One durable queue for everything asynchronous (see Jobs). A running job is held
                // by `lease_owner` until `lease_until`; past that any worker may claim it again.
                """
                CREATE TABLE jobs (
                    id \(d.autoIncrementKey),
                    kind TEXT NOT NULL,
                    payload TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    max_attempts INTEGER NOT NULL,
                    run_after BIGINT NOT NULL,
                    lease_owner TEXT,
                    lease_until BIGINT,
                    affinity TEXT,
                    progress TEXT,
                    result TEXT,
                    error TEXT,
                    cancel_requested BOOLEAN NOT NULL DEFAULT FALSE,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    finished_at BIGINT
                )
                """,
                "CREATE INDEX jobs_claimable ON jobs (run_after, id) WHERE state IN ('queued', 'running')",
            ]
        },
        Migration(version: 5, name: "credentials and the audit log") { d in
            [
                // Secret fields are stored sealed (AES-256-GCM, base64) in `secrets`, never in `field_values`.
                """
                CREATE TABLE credentials (
                    id TEXT PRIMARY KEY,
                    integration TEXT NOT NULL,
                    field_values TEXT NOT NULL,
                    secrets TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                // One row: a value sealed under the master key, to refuse another key at start.
                "CREATE TABLE vault (name TEXT PRIMARY KEY, sealed TEXT NOT NULL)",
                """
                CREATE TABLE audit_log (
                    id \(d.autoIncrementKey),
                    at BIGINT NOT NULL,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    target TEXT NOT NULL,
                    outcome TEXT NOT NULL,
                    remote TEXT
                )
                """,
            ]
        },
        Migration(version: 6, name: "bank sources") { _ in
            [
                // A synced bank's list, credential and schedule; `checkpoint` is where the last
                // complete sync ended, in the feed's terms (a time, a sequence), `options` the
                // kind's settings as JSON.
                """
                CREATE TABLE bank_sources (
                    bank_id BIGINT PRIMARY KEY REFERENCES banks(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL,
                    credential_id TEXT NOT NULL,
                    enabled BOOLEAN NOT NULL DEFAULT TRUE,
                    interval_seconds BIGINT NOT NULL CHECK (interval_seconds > 0),
                    checkpoint TEXT,
                    options TEXT NOT NULL DEFAULT '{}',
                    next_run_at BIGINT NOT NULL,
                    last_run_at BIGINT,
                    last_outcome TEXT
                )
                """,
            ]
        },
        Migration(version: 7, name: "workflows") { d in
            [
                // A workflow's draft and which published version is live; definitions are JSON.
                """
                CREATE TABLE workflows (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE,
                    draft TEXT NOT NULL,
                    live_version INTEGER,
                    latest_version INTEGER,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                // Published versions are never updated: runs are pinned to them.
                """
                CREATE TABLE workflow_versions (
                    workflow_id TEXT NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
                    version INTEGER NOT NULL,
                    definition TEXT NOT NULL,
                    trigger_kind TEXT NOT NULL,
                    published_at BIGINT NOT NULL,
                    published_by TEXT NOT NULL,
                    PRIMARY KEY (workflow_id, version)
                )
                """,
                """
                CREATE TABLE workflow_runs (
                    id \(d.autoIncrementKey),
                    workflow_id TEXT NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
                    version INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    trigger_kind TEXT NOT NULL,
                    input TEXT NOT NULL,
                    idempotency_key TEXT,
                    rerun_of BIGINT,
                    error TEXT,
                    cancel_requested BOOLEAN NOT NULL DEFAULT FALSE,
                    job_id BIGINT,
                    created_at BIGINT NOT NULL,
                    started_at BIGINT,
                    finished_at BIGINT,
                    updated_at BIGINT NOT NULL
                )
                """,
                // One run per (workflow, key): the same Idempotency-Key or event never starts two.
                "CREATE UNIQUE INDEX workflow_runs_idempotency ON workflow_runs (workflow_id, idempotency_key)",
                "CREATE INDEX workflow_runs_by_workflow ON workflow_runs (workflow_id, id)",
                "CREATE INDEX workflow_runs_by_status ON workflow_runs (status, id)",
                """
                CREATE TABLE workflow_steps (
                    run_id BIGINT NOT NULL REFERENCES workflow_runs(id) ON DELETE CASCADE,
                    step_id TEXT NOT NULL,
                    status TEXT NOT NULL,
                    attempts INTEGER NOT NULL,
                    input TEXT,
                    output TEXT,
                    error TEXT,
                    started_at BIGINT NOT NULL,
                    finished_at BIGINT,
                    next_attempt_at BIGINT,
                    worker TEXT,
                    PRIMARY KEY (run_id, step_id)
                )
                """,
            ]
        },
        casesAndEvents,
        reports,
        people,
        Migration(version: 11, name: "entries checked against their bank by their writer (PostgreSQL)") { d in
            // The foreign key's per-row trigger was 40% of a bulk import's time on PostgreSQL (8.5 s
            // of 21 s for a million rows). Every writer of bank_entries holds the change-log lock
            // and checks under it that the bank exists (SQLBankStore.applyBatch), and deleting a
            // bank deletes its entries under the same lock, so no entry outlives its bank. SQLite
            // keeps the key: dropping it there means copying the table, and it costs little there.
            d == .postgres ? ["ALTER TABLE bank_entries DROP CONSTRAINT IF EXISTS bank_entries_bank_id_fkey"] : []
        },
        Migration(version: 12, name: "evidence in the database") { d in
            [
                // Sealed originals and previews (SQLMediaBlobs): every replica reads them, and a
                // backup of the database holds them. Files of earlier versions are moved in at
                // start (EvidenceFileMove).
                """
                CREATE TABLE media_blobs (
                    sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
                    kind TEXT NOT NULL CHECK (kind IN ('original', 'preview')),
                    sealed \(d.blob) NOT NULL,
                    PRIMARY KEY (sha256, kind)
                )
                """,
                // A revealed image is shown clearly (the reveal is what a person sees); only the
                // greyscale preference remains.
                "ALTER TABLE users DROP COLUMN blur_previews",
            ]
        },
        Migration(version: 13, name: "job leases fenced by a token") { _ in
            [
                // A new token at every claim; every write a job makes for what it owns checks it in
                // its own transaction (SQLJobStore.fence), so a worker that lost its lease cannot
                // overwrite the new owner. A job is running under no token from an earlier version:
                // it is claimed again when its lease lapses.
                "ALTER TABLE jobs ADD COLUMN lease_token TEXT",
                // Claims that found the worker gone mid-way: a job that keeps dying is stopped.
                "ALTER TABLE jobs ADD COLUMN interruptions INTEGER NOT NULL DEFAULT 0",
            ]
        },
        Migration(version: 14, name: "bank names unique whatever their case") { _ in
            // KNOWN_BAD and known_bad are one bank: lookups by name ignore case (ASCII).
            ["CREATE UNIQUE INDEX IF NOT EXISTS banks_name_folded ON banks (lower(name))"]
        } blocker: { sql, _ in
            let rows = try await sql.raw("""
                SELECT name FROM banks WHERE lower(name) IN (SELECT lower(name) FROM banks GROUP BY lower(name) HAVING COUNT(*) > 1)
                """).all()
            let names = try rows.map { try $0.decode(column: "name", as: String.self) }.sorted()
            guard !names.isEmpty else { return nil }
            return "bank names must differ by more than case, and these do not: \(names.joined(separator: ", ")); "
                + "rename or merge them with the previous version of vigil, then start this one"
        },
        Migration(version: 15, name: "credential nicknames unique within an integration") { _ in
            // The service checks first; the index decides between two saves at the same moment.
            // The key is the nickname folded as Swift folds it (SQL's lower() folds only ASCII on
            // SQLite), so it is written by `rewrite`, then indexed.
            ["ALTER TABLE credentials ADD COLUMN nickname_key TEXT"]
        } rewrite: { sql in
            var keys: [(id: String, key: String)] = []
            var holders: [String: [String]] = [:]
            for row in try await sql.raw("SELECT id, integration, field_values FROM credentials ORDER BY id").all() {
                let id = try row.decode(column: "id", as: String.self)
                let values = try JSONCoding.decode([String: String].self, try row.decode(column: "field_values", as: String.self), "credential \(id)'s values")
                guard let key = Credential.nicknameKey(values) else { continue }
                let integration = try row.decode(column: "integration", as: String.self)
                keys.append((id, key))
                holders["\(integration) \"\(key)\"", default: []].append(id)
            }
            let shared = holders.filter { $0.value.count > 1 }.keys.sorted()
            guard shared.isEmpty else {
                throw StorageError.migrationBlocked(version: 15, "credentials of one integration must have different nicknames, and these share one: "
                    + "\(shared.joined(separator: ", ")); rename them (PATCH /v1/credentials/ID, or the dashboard) with the previous version of vigil, "
                    + "then start this one")
            }
            for (id, key) in keys { try await sql.raw("UPDATE credentials SET nickname_key = \(bind: key) WHERE id = \(bind: id)").run() }
            try await sql.raw("CREATE UNIQUE INDEX credentials_nickname ON credentials (integration, nickname_key)").run()
        },
        Migration(version: 16, name: "reveals found by who made them and when") { _ in
            // Every reveal and every case page a reviewer opens counts their reveals in the shift.
            ["CREATE INDEX IF NOT EXISTS media_reveals_by_actor ON media_reveals (actor, at)",
             "CREATE INDEX IF NOT EXISTS media_reveals_by_time ON media_reveals (at)"]
        },
        Migration(version: 17, name: "queue SLA targets and search keys") { _ in
            // A queue's target time to resolve a case; queues themselves are names on cases.
            // The search keys are titles and reference ids folded as Swift folds them (SQL's
            // lower() folds only ASCII on SQLite: "École" would not be found), written by `rewrite`.
            ["CREATE TABLE IF NOT EXISTS case_queues (queue TEXT PRIMARY KEY, sla_minutes BIGINT NOT NULL CHECK (sla_minutes > 0), updated_at BIGINT NOT NULL)",
             "ALTER TABLE cases ADD COLUMN title_key TEXT",
             "ALTER TABLE accounts ADD COLUMN reference_key TEXT"]
        } rewrite: { sql in
            for row in try await sql.raw("SELECT id, title FROM cases").all() {
                let key = CaseSearch.key(try row.decode(column: "title", as: String.self))
                try await sql.raw("UPDATE cases SET title_key = \(bind: key) WHERE id = \(bind: try row.decode(column: "id", as: Int64.self))").run()
            }
            for row in try await sql.raw("SELECT id, reference_id FROM accounts").all() {
                let key = CaseSearch.key(try row.decode(column: "reference_id", as: String.self))
                try await sql.raw("UPDATE accounts SET reference_key = \(bind: key) WHERE id = \(bind: try row.decode(column: "id", as: Int64.self))").run()
            }
        },
        Migration(version: 18, name: "exposure caps per queue and priority, and measured reveals") { _ in
            // A reveal keeps its file's queues (one a line) and priority (what the caps of queues
            // and priorities count) and when it was hidden (its measured time; not hidden counts
            // in full). Reveals made before are given their case's, so caps count them at once.
            ["ALTER TABLE media_reveals ADD COLUMN queues TEXT",
             "ALTER TABLE media_reveals ADD COLUMN priority TEXT",
             "ALTER TABLE media_reveals ADD COLUMN ended_at BIGINT",
             "UPDATE media_reveals SET queues = (SELECT queue FROM cases WHERE cases.id = media_reveals.case_id), priority = (SELECT priority FROM cases WHERE cases.id = media_reveals.case_id)",
             """
             CREATE TABLE IF NOT EXISTS exposure_limits (
                 scope TEXT NOT NULL CHECK (scope IN ('queue', 'priority')),
                 name TEXT NOT NULL,
                 reveals_per_shift BIGINT CHECK (reveals_per_shift > 0),
                 seconds_per_shift BIGINT CHECK (seconds_per_shift > 0),
                 updated_at BIGINT NOT NULL,
                 PRIMARY KEY (scope, name),
                 CHECK (reveals_per_shift IS NOT NULL OR seconds_per_shift IS NOT NULL))
             """]
        },
        Migration(version: 19, name: "refused form pages for post/redirect/get") { dialect in
            // Shown again to the session that posted the form, for minutes: every replica can answer the redirect.
            ["""
             CREATE TABLE IF NOT EXISTS refused_pages (
                 id \(dialect.autoIncrementKey),
                 token TEXT NOT NULL UNIQUE,
                 session_digest TEXT NOT NULL,
                 status INTEGER NOT NULL,
                 html TEXT NOT NULL,
                 created_at BIGINT NOT NULL)
             """,
             "CREATE INDEX IF NOT EXISTS refused_pages_by_time ON refused_pages (created_at)"]
        },
        Migration(version: 20, name: "screened signals and the retroactive check") { d in
            // What lookups screened (signals and context, never the image), dropped by whole days;
            // the check's cursor over bank entries starts at the entries there are now (nothing
            // was screened before); each screened image and entry pair is reported once.
            ["""
             CREATE TABLE IF NOT EXISTS screened_signals (
                 id \(d.autoIncrementKey),
                 at BIGINT NOT NULL,
                 day BIGINT NOT NULL,
                 lookup_id TEXT NOT NULL,
                 api TEXT NOT NULL,
                 caller TEXT,
                 account_ref TEXT,
                 run_id BIGINT,
                 pdq \(d.blob) CHECK (pdq IS NULL OR \(d.byteLength("pdq")) = 32),
                 pdq_quality INTEGER,
                 md5 TEXT,
                 sha256 TEXT,
                 matched_entries TEXT NOT NULL DEFAULT '')
             """,
             "CREATE INDEX IF NOT EXISTS screened_by_day ON screened_signals (day)",
             "CREATE INDEX IF NOT EXISTS screened_by_md5 ON screened_signals (md5) WHERE md5 IS NOT NULL",
             "CREATE INDEX IF NOT EXISTS screened_by_sha256 ON screened_signals (sha256) WHERE sha256 IS NOT NULL",
             "CREATE INDEX IF NOT EXISTS screened_by_account ON screened_signals (account_ref) WHERE account_ref IS NOT NULL",
             "CREATE TABLE IF NOT EXISTS retro_cursor (name TEXT PRIMARY KEY, entry_id BIGINT NOT NULL)",
             "INSERT INTO retro_cursor (name, entry_id) SELECT 'entries', COALESCE(MAX(id), 0) FROM bank_entries WHERE true ON CONFLICT (name) DO NOTHING",
             "CREATE TABLE IF NOT EXISTS retro_hits (screened_id BIGINT NOT NULL, entry_id BIGINT NOT NULL, at BIGINT NOT NULL, PRIMARY KEY (screened_id, entry_id))"]
        },
        Migration(version: 21, name: "reviewers' verdicts per bank entry") { _ in
            // Per entry, how often reviewers confirmed its matches and found them false positives.
            ["""
             CREATE TABLE IF NOT EXISTS entry_feedback (
                 entry_id BIGINT PRIMARY KEY,
                 confirmations BIGINT NOT NULL DEFAULT 0,
                 false_positives BIGINT NOT NULL DEFAULT 0)
             """]
        },
        Migration(version: 22, name: "match counts per entry and votes sent back to the lists") { d in
            // Matches per entry, added by each replica's tally (apart from the reviewers' verdicts,
            // which a decision writes: the two never wait on each other's rows). Votes are what a
            // decision sends back to a list (NCMEC's hash-sharing feedback), each exactly once.
            ["""
             CREATE TABLE IF NOT EXISTS entry_matches (
                 entry_id BIGINT PRIMARY KEY,
                 bank_id BIGINT NOT NULL,
                 matches BIGINT NOT NULL DEFAULT 0,
                 last_matched_at BIGINT NOT NULL)
             """,
             // A bank's total without reading its entries.
             "CREATE INDEX IF NOT EXISTS entry_matches_by_bank ON entry_matches (bank_id)",
             "ALTER TABLE bank_sources ADD COLUMN send_feedback BOOLEAN NOT NULL DEFAULT FALSE",
             // A bank's own limits (flood, false positives, quality gate) over the server's settings.
             "ALTER TABLE banks ADD COLUMN guards TEXT NOT NULL DEFAULT '{}'",
             // Each resolved case's verdict on each entry its (server-made, verified) evidence matched:
             // the counts are read from here, so a case counts once whatever reopens and re-decisions
             // it goes through. (entry_feedback, migration 21, counted every decision: left unused.)
             """
             CREATE TABLE IF NOT EXISTS entry_verdicts (
                 case_id BIGINT NOT NULL,
                 entry_id BIGINT NOT NULL,
                 verdict TEXT NOT NULL,
                 at BIGINT NOT NULL,
                 PRIMARY KEY (case_id, entry_id))
             """,
             "CREATE INDEX IF NOT EXISTS entry_verdicts_by_entry ON entry_verdicts (entry_id, verdict)",
             """
             CREATE TABLE IF NOT EXISTS list_votes (
                 id \(d.autoIncrementKey),
                 case_id BIGINT NOT NULL,
                 decision BIGINT NOT NULL,
                 entry_id BIGINT NOT NULL,
                 bank_id BIGINT NOT NULL,
                 external_id TEXT NOT NULL,
                 fingerprint TEXT NOT NULL,
                 vote TEXT NOT NULL,
                 state TEXT NOT NULL,
                 attempts INTEGER NOT NULL DEFAULT 0,
                 last_error TEXT,
                 created_at BIGINT NOT NULL,
                 sent_at BIGINT,
                 UNIQUE (case_id, entry_id, fingerprint))
             """,
             "CREATE INDEX IF NOT EXISTS list_votes_by_bank ON list_votes (bank_id, id)",
             // Votes other Vigils following a bank sent about its entries: one per follower's key and entry.
             // Entries able to match again (a quarantine lifted, a snooze ended, a bank enabled), for the retroactive check.
             "CREATE TABLE IF NOT EXISTS retro_rechecks (entry_id BIGINT PRIMARY KEY, queued_at BIGINT NOT NULL)",
             // Snoozes that end from now on are rechecks (nothing screened before this version needs one).
             "INSERT INTO retro_cursor (name, entry_id) SELECT 'snoozes', \(d.nowMilliseconds) WHERE true ON CONFLICT (name) DO NOTHING",
             "CREATE TABLE IF NOT EXISTS entry_votes (entry_id BIGINT NOT NULL, voter TEXT NOT NULL, vote TEXT NOT NULL, at BIGINT NOT NULL, PRIMARY KEY (entry_id, voter))",
             // Snoozed and quarantined entries, found without reading a bank's millions of others.
             "CREATE INDEX IF NOT EXISTS bank_entries_disabled ON bank_entries (disabled_until, bank_id) WHERE disabled_until IS NOT NULL"]
        },
        Migration(version: 23, name: "the trace each job was queued in") { _ in
            // W3C trace context (JobTrace), so a job's span continues the request that queued it.
            ["ALTER TABLE jobs ADD COLUMN trace_context TEXT"]
        },
        Migration(version: 24, name: "the trace each event was written in") { _ in
            // A run an event starts continues the trace of the request that caused the event.
            ["ALTER TABLE events ADD COLUMN trace_context TEXT"]
        },
        Migration(version: 25, name: "a bank being deleted") { _ in
            // Its entries go in batches: meanwhile it cannot be enabled, and its export is refused
            // (a following Vigil would otherwise take the deletion's removals for withdrawals).
            ["ALTER TABLE banks ADD COLUMN deleting BOOLEAN NOT NULL DEFAULT false"]
        },
    ]

    static var latestVersion: Int { all.map(\.version).max() ?? 0 }
}

/// The few places SQLite and PostgreSQL differ.
public enum Dialect: String, Sendable {
    case sqlite, postgres

    /// The time now in milliseconds since 1970, as SQL.
    var nowMilliseconds: String {
        switch self {
        case .sqlite: "CAST(strftime('%s', 'now') AS INTEGER) * 1000"
        case .postgres: "CAST(EXTRACT(EPOCH FROM now()) * 1000 AS BIGINT)"
        }
    }

    var autoIncrementKey: String {
        switch self {
        // AUTOINCREMENT: ids are never reused, so an id named in the index or a log stays unique.
        case .sqlite: "INTEGER PRIMARY KEY AUTOINCREMENT"
        case .postgres: "BIGSERIAL PRIMARY KEY"
        }
    }

    var blob: String { self == .sqlite ? "BLOB" : "BYTEA" }

    /// A byte-string literal from validated hex digits.
    func blobLiteral(_ hex: String) -> String {
        self == .sqlite ? "X'\(hex)'" : "'\\x\(hex)'::bytea"
    }

    func byteLength(_ column: String) -> String {
        self == .sqlite ? "length(\(column))" : "octet_length(\(column))"
    }
}
