import Foundation

/// Where Vigil keeps its tables: an SQLite file (the embedded default) or a PostgreSQL server.
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    /// The SQLite file inside the data directory.
    public static func `default`(dataDirectory: String) -> DatabaseLocation {
        .sqlite(path: URL(fileURLWithPath: dataDirectory).appendingPathComponent("vigil.sqlite").path)
    }

    /// Parses `postgres://…`, `postgresql://…`, `sqlite:///abs/path`, `sqlite://rel/path` or
    /// `sqlite:path`.
    public init(url: String) throws {
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            self = .postgres(url: url)
        } else if url.hasPrefix("sqlite://") {
            let path = String(url.dropFirst("sqlite://".count))
            guard !path.isEmpty else { throw StorageError.invalidURL("sqlite:// needs a file path") }
            self = .sqlite(path: path)
        } else if url.hasPrefix("sqlite:") {
            self = .sqlite(path: String(url.dropFirst("sqlite:".count)))
        } else {
            throw StorageError.invalidURL("database URL must start with postgres://, postgresql:// or sqlite: (got \(Self.redacted(url)))")
        }
    }

    /// The location with any password hidden, for logs and messages.
    public var description: String {
        switch self {
        case let .sqlite(path): "sqlite:\(path)"
        case let .postgres(url): Self.redacted(url)
        }
    }

    static func redacted(_ url: String) -> String {
        guard var parts = URLComponents(string: url), parts.password != nil else { return url }
        parts.password = "****"
        return parts.string ?? "postgres://****"
    }
}

public enum StorageError: Error, Sendable, CustomStringConvertible, Equatable {
    case invalidURL(String)
    case schemaTooNew(database: Int, binary: Int)
    case corruptRow(String)
    case unavailable(String)
    case noDatabase(String)
    case migrationBlocked(version: Int, String)

    public var description: String {
        switch self {
        case let .invalidURL(message): message
        case let .schemaTooNew(database, binary):
            "the database schema is version \(database), newer than this vigil understands (\(binary)); upgrade vigil, do not downgrade a database"
        case let .corruptRow(message): "a stored row is not valid: \(message)"
        case let .unavailable(message): "the database is unavailable: \(message)"
        case let .noDatabase(message): message
        case let .migrationBlocked(version, reason): "the database cannot be upgraded to schema version \(version): \(reason)"
        }
    }
}
