extension Migrations {
    /// Version 9: CyberTipline reports, their history, the reporting settings.
    static let reports = Migration(version: 9, name: "CyberTipline reports") { d in
        [
            // A report is one aggregate: what it says (content, files) and NCMEC's side of it
            // (remote) as JSON, committed together at every call.
            """
            CREATE TABLE reports (
                id \(d.autoIncrementKey),
                case_id BIGINT NOT NULL REFERENCES cases(id),
                state TEXT NOT NULL,
                ncmec_report_id BIGINT,
                content TEXT NOT NULL,
                files TEXT NOT NULL,
                remote TEXT NOT NULL,
                credential_id TEXT,
                problem TEXT,
                retract_requested BOOLEAN NOT NULL DEFAULT FALSE,
                approved_by TEXT,
                approved_at BIGINT,
                job_id BIGINT,
                version INTEGER NOT NULL,
                created_by TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                finished_at BIGINT
            )
            """,
            "CREATE INDEX reports_by_case ON reports (case_id, id)",
            "CREATE INDEX reports_by_state ON reports (state, id)",
            // Every step: who, what was sent, what NCMEC answered (with its Request-ID).
            """
            CREATE TABLE report_history (
                id \(d.autoIncrementKey),
                report_id BIGINT NOT NULL REFERENCES reports(id),
                at BIGINT NOT NULL,
                actor TEXT NOT NULL,
                kind TEXT NOT NULL,
                detail TEXT NOT NULL
            )
            """,
            "CREATE INDEX report_history_by_report ON report_history (report_id, id)",
            "CREATE TABLE report_settings (id INTEGER PRIMARY KEY CHECK (id = 1), settings TEXT NOT NULL, updated_at BIGINT NOT NULL)",
        ]
    }
}
