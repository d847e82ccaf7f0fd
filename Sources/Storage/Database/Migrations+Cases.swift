extension Migrations {
    /// Version 8: the roles check widened, events, cases, accounts, evidence files, webhooks.
    static let casesAndEvents = Migration(version: 8, name: "roles, events, cases, accounts, evidence, webhooks") { d in
        let roles = "CHECK (role IN ('admin', 'curator', 'analyst', 'reviewer', 'reporter', 'matcher', 'viewer'))"
        // SQLite cannot change a CHECK: the keys table is copied (ids kept, so the sequence too).
        let keys: [String] = d == .postgres ? [
            "ALTER TABLE api_keys DROP CONSTRAINT IF EXISTS api_keys_role_check",
            "ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check \(roles)",
        ] : [
            """
            CREATE TABLE api_keys_v8 (
                id \(d.autoIncrementKey),
                label TEXT NOT NULL DEFAULT '',
                role TEXT NOT NULL \(roles),
                digest TEXT NOT NULL UNIQUE CHECK (length(digest) = 64),
                prefix TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                revoked_at BIGINT
            )
            """,
            "INSERT INTO api_keys_v8 (id, label, role, digest, prefix, created_at, revoked_at) SELECT id, label, role, digest, prefix, created_at, revoked_at FROM api_keys",
            "DROP TABLE api_keys",
            "ALTER TABLE api_keys_v8 RENAME TO api_keys",
        ]
        return keys + [
            // Every change to cases, accounts, evidence and every match, in commit order (see EventSQL).
            """
            CREATE TABLE events (
                id \(d.autoIncrementKey),
                type TEXT NOT NULL,
                subject TEXT NOT NULL,
                actor TEXT NOT NULL,
                payload TEXT NOT NULL,
                at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX events_by_type ON events (type, id)",
            // How far a consumer of the events (the workflow triggers) has read, so a restart resumes there.
            "CREATE TABLE event_cursors (name TEXT PRIMARY KEY, position BIGINT NOT NULL)",
            "CREATE TABLE case_templates (name TEXT PRIMARY KEY, definition TEXT NOT NULL, updated_at BIGINT NOT NULL)",
            """
            CREATE TABLE accounts (
                id \(d.autoIncrementKey),
                reference_id TEXT NOT NULL UNIQUE,
                screen_name TEXT,
                email TEXT,
                status TEXT NOT NULL,
                tags TEXT NOT NULL DEFAULT '[]',
                block_reason TEXT,
                version INTEGER NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE cases (
                id \(d.autoIncrementKey),
                title TEXT NOT NULL,
                template TEXT NOT NULL,
                status TEXT NOT NULL,
                is_final BOOLEAN NOT NULL,
                priority TEXT NOT NULL,
                queue TEXT NOT NULL,
                assignee TEXT,
                fields TEXT NOT NULL DEFAULT '{}',
                origin_key TEXT UNIQUE,
                version INTEGER NOT NULL,
                created_by TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                resolved_at BIGINT
            )
            """,
            "CREATE INDEX cases_by_queue ON cases (queue, status, id)",
            "CREATE INDEX cases_by_status ON cases (status, id)",
            """
            CREATE TABLE case_accounts (
                case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
                account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                PRIMARY KEY (case_id, account_id)
            )
            """,
            "CREATE INDEX case_accounts_by_account ON case_accounts (account_id)",
            """
            CREATE TABLE case_evidence (
                id \(d.autoIncrementKey),
                case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
                provider TEXT NOT NULL,
                bank TEXT,
                entry_id BIGINT,
                distance INTEGER,
                variant TEXT,
                pdq TEXT,
                md5 TEXT,
                sha256 TEXT,
                media_sha256 TEXT,
                file_name TEXT,
                source_url TEXT,
                detail TEXT NOT NULL DEFAULT '{}',
                added_by TEXT NOT NULL,
                added_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX case_evidence_by_case ON case_evidence (case_id, id)",
            "CREATE INDEX case_evidence_by_media ON case_evidence (media_sha256)",
            // Comments are timeline entries of kind `comment`.
            """
            CREATE TABLE case_timeline (
                id \(d.autoIncrementKey),
                case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
                at BIGINT NOT NULL,
                actor TEXT NOT NULL,
                kind TEXT NOT NULL,
                detail TEXT NOT NULL
            )
            """,
            "CREATE INDEX case_timeline_by_case ON case_timeline (case_id, id)",
            """
            CREATE TABLE account_history (
                id \(d.autoIncrementKey),
                account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                at BIGINT NOT NULL,
                actor TEXT NOT NULL,
                kind TEXT NOT NULL,
                detail TEXT NOT NULL
            )
            """,
            "CREATE INDEX account_history_by_account ON account_history (account_id, id)",
            // Evidence files: encrypted at rest under their SHA-256; purged by the preservation job.
            """
            CREATE TABLE media (
                sha256 TEXT PRIMARY KEY,
                size BIGINT NOT NULL,
                content_type TEXT NOT NULL,
                stored_at BIGINT NOT NULL,
                keep_until BIGINT,
                legal_hold BOOLEAN NOT NULL DEFAULT FALSE,
                purged_at BIGINT
            )
            """,
            """
            CREATE TABLE media_reveals (
                id \(d.autoIncrementKey),
                media_sha256 TEXT NOT NULL,
                case_id BIGINT,
                actor TEXT NOT NULL,
                remote TEXT,
                at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX media_reveals_by_media ON media_reveals (media_sha256, id)",
            """
            CREATE TABLE webhook_subscriptions (
                id \(d.autoIncrementKey),
                credential_id TEXT NOT NULL,
                event_types TEXT NOT NULL,
                active BOOLEAN NOT NULL,
                description TEXT NOT NULL DEFAULT '',
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE webhook_deliveries (
                id \(d.autoIncrementKey),
                subscription_id BIGINT NOT NULL REFERENCES webhook_subscriptions(id) ON DELETE CASCADE,
                event_id BIGINT NOT NULL,
                subject TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
                attempts INTEGER NOT NULL DEFAULT 0,
                last_status INTEGER,
                last_error TEXT,
                job_id BIGINT,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                delivered_at BIGINT
            )
            """,
            "CREATE INDEX webhook_deliveries_in_order ON webhook_deliveries (subscription_id, subject, event_id)",
            "CREATE INDEX webhook_deliveries_by_subscription ON webhook_deliveries (subscription_id, id)",
        ]
    }
}
