extension Migrations {
    /// Version 10: people who sign in to the dashboard, their sessions, and the hourly lookup
    /// tallies the dashboard charts.
    static let people = Migration(version: 10, name: "dashboard users, sessions, lookup tallies") { d in
        [
            """
            CREATE TABLE users (
                id \(d.autoIncrementKey),
                name TEXT NOT NULL UNIQUE,
                role TEXT NOT NULL,
                password_hash TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                disabled_at BIGINT,
                failed_logins INTEGER NOT NULL DEFAULT 0,
                locked_until BIGINT,
                last_login_at BIGINT,
                blur_previews BOOLEAN NOT NULL DEFAULT TRUE,
                greyscale_previews BOOLEAN NOT NULL DEFAULT TRUE
            )
            """,
            // Only the digest of the cookie's secret is stored.
            """
            CREATE TABLE sessions (
                digest TEXT PRIMARY KEY,
                user_id BIGINT REFERENCES users(id) ON DELETE CASCADE,
                key_id BIGINT REFERENCES api_keys(id) ON DELETE CASCADE,
                role TEXT NOT NULL,
                actor TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX sessions_by_user ON sessions (user_id)",
            "CREATE INDEX sessions_by_expiry ON sessions (expires_at)",
            // One row per hour (seconds since 1970 / 3600); every replica adds its own counts.
            "CREATE TABLE lookup_tallies (hour BIGINT PRIMARY KEY, lookups BIGINT NOT NULL, matches BIGINT NOT NULL)",
        ]
    }
}
