import PostgresNIO
import SQLiteKit

/// A write that a unique index refused, on either database: two requests that each checked a
/// name was free and then both wrote it. The store turns it into the domain's own "already
/// taken" error, so the second caller gets the same answer as one that came later.
enum UniqueViolation {
    static func matches(_ error: any Error) -> Bool {
        if let error = error as? PSQLError { return error.serverInfo?[.sqlState] == "23505" }
        if let error = error as? SQLiteError { return error.reason == .constraintUniqueFailed || error.reason == .constraintPrimaryKeyFailed }
        return false
    }

    /// Runs `write`; a unique index's refusal of it becomes `taken`, the domain's own answer.
    static func answering<T: Sendable>(_ taken: @autoclosure () -> any Error, _ write: () async throws -> T) async throws -> T {
        do { return try await write() } catch where matches(error) { throw taken() }
    }
}
