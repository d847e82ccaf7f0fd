import Basics
import Foundation
public import Logging
import NIOCore
import NIOPosix
import PostgresKit
public import SQLKit
import SQLiteKit
import Synchronization

/// One storage layer for every table, on SQLite (the embedded default) or PostgreSQL.
///
/// SQLite has one writer: work runs one operation at a time on one connection, so a transaction
/// never interleaves with another caller's statements. PostgreSQL runs on a connection pool
/// (postgres-nio's `PostgresClient`): each operation or transaction leases a connection of its
/// own, so reads never queue behind a write or behind each other.
public final class VigilDatabase: Sendable {
    public let dialect: Dialect
    public let location: DatabaseLocation
    private let backend: Backend
    private let gate = SerialGate()
    private let closed = Mutex(false)
    /// The pool's background task (PostgreSQL): it runs until `close()`.
    private let poolTask: Task<Void, Never>?
    /// Finishes when the pool's task has started: a lease before `run()` logs a warning.
    private let poolStarted: AsyncStream<Void>?

    enum Backend: Sendable {
        case sqlite(SQLiteConnection)
        case postgres(PostgresClient)
    }

    /// One connection, for the length of one operation.
    enum Connection {
        case sqlite(SQLiteConnection)
        case postgres(PostgresConnection)

        /// No query is logged, at any level: its binds are stored data (a reporter's e-mail, an
        /// account's name), which a debug log must not carry.
        var sql: any SQLDatabase {
            switch self {
            case let .sqlite(connection): connection.sql(queryLogLevel: nil)
            case let .postgres(connection): connection.sql(queryLogLevel: nil)
            }
        }
    }

    /// Connections a PostgreSQL pool opens at most (per process).
    public static let maximumPostgresConnections = 8

    private init(location: DatabaseLocation, backend: Backend) {
        self.location = location
        self.backend = backend
        switch backend {
        case .sqlite:
            dialect = .sqlite
            poolTask = nil
            poolStarted = nil
        case let .postgres(client):
            dialect = .postgres
            let (started, signal) = AsyncStream<Void>.makeStream()
            poolStarted = started
            poolTask = Task {
                signal.finish()
                await client.run()
            }
        }
    }

    /// Opens (creating an SQLite file and its folder when needed) and migrates the schema. With
    /// `mustExist`, a database that is not there yet is an error instead: read-only commands
    /// never create one (an empty new database would answer every question with "nothing").
    public static func open(_ location: DatabaseLocation, mustExist: Bool = false,
                            logger: Logger = Logger(label: "vigil.storage")) async throws -> VigilDatabase {
        let backend: Backend
        switch location {
        case let .sqlite(path):
            if mustExist, !FileManager.default.fileExists(atPath: path) {
                throw StorageError.noDatabase("no Vigil database at \(path): check --data-dir (or VIGIL_DATA_DIR), or create a bank first")
            }
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            } catch {
                throw StorageError.unavailable("cannot use \(folder.path) as the data directory: \(FileProblem.describe(error, path: folder.path))")
            }
            let connection: SQLiteConnection
            do {
                connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
            } catch {
                throw StorageError.unavailable("cannot open \(path): \(String(describing: error).prefix(200))")
            }
            for pragma in ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", "PRAGMA foreign_keys = ON",
                           "PRAGMA busy_timeout = 10000", "PRAGMA cache_size = -262144",
                           // Statement journals (a multi-row INSERT that may abort) stay in memory.
                           "PRAGMA temp_store = MEMORY"] {
                _ = try await connection.query(pragma, [])
            }
            // A database an earlier version made with the shell's umask (0644) is made private.
            for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
                do {
                    try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
                } catch {
                    throw StorageError.unavailable("cannot make \(file) private (mode 0600): \(FileProblem.describe(error, path: file))")
                }
            }
            backend = .sqlite(connection)
        case let .postgres(url):
            let configuration: SQLPostgresConfiguration
            do {
                configuration = try SQLPostgresConfiguration(url: url)
            } catch {
                throw StorageError.invalidURL("cannot read the PostgreSQL URL \(DatabaseLocation.redacted(url))")
            }
            do {
                // One connection first, so a wrong URL or a server that is down is reported here,
                // not as a pool that waits for a connection it cannot make.
                let probe = try await PostgresConnection.connect(
                    on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration.coreConfiguration,
                    id: 1, logger: logger)
                try? await probe.close()
            } catch {
                throw StorageError.unavailable("cannot connect to \(location): \(String(reflecting: error).prefix(300))")
            }
            backend = .postgres(PostgresClient(configuration: Self.poolConfiguration(configuration.coreConfiguration), backgroundLogger: logger))
        }
        let database = VigilDatabase(location: location, backend: backend)
        if let started = database.poolStarted { for await _ in started {} }
        do {
            if mustExist, try await !database.hasSchema() {
                throw StorageError.noDatabase("\(location) holds no Vigil schema: check --database-url, or create a bank first")
            }
            try await database.migrate()
        } catch {
            await database.close()
            throw error
        }
        return database
    }

    /// Opens the database, runs `body` with it, and closes it whether `body` returns or throws.
    public static func withOpen<T>(_ location: DatabaseLocation, mustExist: Bool = false,
                                   _ body: (VigilDatabase) async throws -> T) async throws -> T {
        let database = try await open(location, mustExist: mustExist)
        do {
            let result = try await body(database)
            await database.close()
            return result
        } catch {
            await database.close()
            throw error
        }
    }

    /// After the index load has read every row, shrinks SQLite's page cache to what a serving
    /// process needs (the load alone filled up to 256 MiB); the caller then trims the allocator.
    public func releaseLoadMemory() async throws {
        guard dialect == .sqlite else { return }
        try await run { sql in
            try await sql.raw("PRAGMA cache_size = -16384").run()
            try await sql.raw("PRAGMA shrink_memory").run()
        }
    }

    /// The pool's settings from one connection's: the same server, user, database and TLS mode.
    static func poolConfiguration(_ core: PostgresConnection.Configuration) -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS =
            core.tls.isEnforced ? .require(.makeClientConfiguration()) : core.tls.isAllowed ? .prefer(.makeClientConfiguration()) : .disable
        var configuration: PostgresClient.Configuration
        if let socket = core.unixSocketPath {
            configuration = .init(unixSocketPath: socket, username: core.username, password: core.password, database: core.database)
        } else {
            configuration = .init(host: core.host ?? "localhost", port: core.port ?? 5432, username: core.username, password: core.password,
                                  database: core.database, tls: tls)
        }
        configuration.options.maximumConnections = maximumPostgresConnections
        return configuration
    }

    public func close() async {
        await gate.run {
            guard closed.withLock({ wasClosed in defer { wasClosed = true }; return !wasClosed }) else { return }
            switch backend {
            case let .sqlite(connection): try? await connection.close()
            case .postgres:
                poolTask?.cancel()
                await poolTask?.value
            }
        }
    }

    /// A database dropped without `close()` still releases its connections (the drivers require it).
    deinit {
        guard closed.withLock({ !$0 }) else { return }
        switch backend {
        case let .sqlite(connection): _ = connection.close() as EventLoopFuture<Void>
        case .postgres: poolTask?.cancel()
        }
    }

    /// Runs `body` with a connection: SQLite's one (alone on it), or one leased from the pool.
    func withConnection<T: Sendable>(_ body: @Sendable (Connection) async throws -> T) async throws -> T {
        switch backend {
        case let .sqlite(connection):
            return try await gate.run { try await body(.sqlite(connection)) }
        case let .postgres(client):
            return try await client.withConnection { connection in try await body(.postgres(connection)) }
        }
    }

    /// Runs `body` as one operation (on SQLite, alone on the connection).
    public func run<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await withConnection { try await body($0.sql) }
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    public func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await connectionTransaction { connection in try await body(connection.sql) }
    }

    /// A transaction that also hands out its connection, for what SQLKit does not cover (COPY).
    func connectionTransaction<T: Sendable>(_ body: @Sendable (Connection) async throws -> T) async throws -> T {
        let begin = dialect == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN"
        return try await withConnection { connection in
            let sql = connection.sql
            try await sql.raw(SQLQueryString(begin)).run()
            do {
                let result = try await body(connection)
                try await sql.raw("COMMIT").run()
                return result
            } catch {
                try? await sql.raw("ROLLBACK").run()
                throw error
            }
        }
    }

    /// A separate PostgreSQL connection (a bulk read, a listener), closed after `body`.
    func withExtraPostgresConnection<T: Sendable>(id: Int = 2, _ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        guard case let .postgres(url) = location else { throw StorageError.unavailable("not a PostgreSQL database") }
        let configuration = try SQLPostgresConfiguration(url: url)
        let connection = try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration.coreConfiguration,
            id: id, logger: Logger(label: "vigil.storage.extra"))
        do {
            let result = try await body(connection)
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// One connection to a PostgreSQL database that is not opened as Vigil's (no migration):
    /// what a backup reads and a restore checks.
    static func withUnmigratedPostgres<T: Sendable>(_ url: String, _ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let configuration: SQLPostgresConfiguration
        do { configuration = try SQLPostgresConfiguration(url: url) } catch {
            throw StorageError.invalidURL("cannot read the PostgreSQL URL \(DatabaseLocation.redacted(url))")
        }
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration.coreConfiguration,
                id: 3, logger: Logger(label: "vigil.storage.backup"))
        } catch {
            throw StorageError.unavailable("cannot connect to \(DatabaseLocation.redacted(url)): \(String(reflecting: error).prefix(300))")
        }
        do {
            let result = try await body(connection.sql(queryLogLevel: nil))
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    // MARK: migrations

    /// The schema version this binary writes.
    public static var latestSchemaVersion: Int { Migrations.latestVersion }

    /// The schema version recorded in the database.
    public func schemaVersion() async throws -> Int {
        try await run { sql in try await Self.schemaVersion(sql) }
    }

    /// Whether the schema table exists (a database some Vigil has opened before).
    private func hasSchema() async throws -> Bool {
        try await run { [dialect] sql in
            let query: SQLQueryString = dialect == .sqlite
                ? "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'vigil_schema_migrations'"
                : "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_name = 'vigil_schema_migrations'"
            return try await sql.raw(query).first()?.decode(column: "n", as: Int.self) ?? 0 > 0
        }
    }

    /// Runs the migrations this database lacks, once across every process that starts on it.
    ///
    /// Each migration is its own transaction that first takes the database's migration lock
    /// (PostgreSQL: a transaction-scoped advisory lock; SQLite: `BEGIN IMMEDIATE`, its one write
    /// lock) and then reads the version again: of replicas started together, one applies each
    /// migration and the others wait for it, then find it applied. A database a newer vigil wrote
    /// is refused, whichever process finds it.
    private func migrate() async throws {
        let dialect = self.dialect
        try await lockedTransaction { sql in
            try await sql.raw("""
                CREATE TABLE IF NOT EXISTS vigil_schema_migrations (
                    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)
                """).run()
        }
        while true {
            let applied = try await lockedTransaction { sql -> Bool in
                let current = try await Self.schemaVersion(sql)
                guard current <= Migrations.latestVersion else {
                    throw StorageError.schemaTooNew(database: current, binary: Migrations.latestVersion)
                }
                guard let migration = Migrations.all.first(where: { $0.version > current }) else { return false }
                if let blocker = try await migration.blocker(sql, dialect) { throw StorageError.migrationBlocked(version: migration.version, blocker) }
                for statement in migration.statements(dialect) { try await sql.raw(SQLQueryString(statement)).run() }
                try await migration.rewrite(sql)
                try await sql.raw("""
                    INSERT INTO vigil_schema_migrations (version, name, applied_at)
                    VALUES (\(bind: migration.version), \(bind: migration.name), \(bind: Date().millisecondsSince1970))
                    """).run()
                return true
            }
            if !applied { break }
        }
    }

    /// The advisory lock's key on PostgreSQL: one number for "Vigil's schema" in this database.
    static let migrationLockKey: Int64 = 0x5649_4749_4C5F_4D31 // "VIGIL_M1"

    /// A transaction that holds the migration lock for its length.
    ///
    /// On SQLite a process waits for another's migration, however long, without holding one of
    /// the driver's few threads: the lock is asked for with a short busy timeout and asked again
    /// after an asynchronous pause (a thread parked in SQLite's busy wait could be the one the
    /// holder needs for its next statement, when both are in one process).
    private func lockedTransaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        switch dialect {
        case .postgres:
            return try await transaction { sql in
                try await sql.raw("SELECT pg_advisory_xact_lock(\(bind: Self.migrationLockKey))").run()
                return try await body(sql)
            }
        case .sqlite:
            try await run { sql in try await sql.raw("PRAGMA busy_timeout = 50").run() }
            // Another process's migration of a large database may take long; one that has not let
            // go in an hour is an error that says so.
            let deadline = ContinuousClock.now + .seconds(3600)
            while true {
                do {
                    let result = try await transaction(body)
                    try await run { sql in try await sql.raw("PRAGMA busy_timeout = 10000").run() }
                    return result
                } catch let error as SQLiteError where [.busy, .busyTimeout, .busyInRecovery, .busyInSnapshot].contains(error.reason) {
                    guard ContinuousClock.now < deadline else {
                        throw StorageError.unavailable("another process has held the database's write lock for an hour: the migration lock was not taken")
                    }
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
        }
    }

    static func schemaVersion(_ sql: any SQLDatabase) async throws -> Int {
        try await sql.raw("SELECT COALESCE(MAX(version), 0) AS v FROM vigil_schema_migrations").first()?.decode(column: "v", as: Int.self) ?? 0
    }
}

extension Date {
    var millisecondsSince1970: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }
    init(milliseconds: Int64) { self.init(timeIntervalSince1970: Double(milliseconds) / 1000) }
}
