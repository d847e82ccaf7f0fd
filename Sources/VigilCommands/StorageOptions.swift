import ArgumentParser
import Banks
import Foundation
import Storage

/// `--data-dir` and `--database-url`, shared by every command that touches storage.
struct StorageOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Data directory (env VIGIL_DATA_DIR).", valueName: "dir"))
    var dataDir: String?

    @Option(help: ArgumentHelp("postgres://… or sqlite:PATH (env VIGIL_DATABASE_URL); default: the SQLite file in the data directory.", valueName: "url"))
    var databaseURL: String?

    var resolvedDataDirectory: String {
        dataDir ?? ProcessInfo.processInfo.environment["VIGIL_DATA_DIR"] ?? "./vigil-data"
    }

    func location() throws -> DatabaseLocation {
        if let url = databaseURL ?? ProcessInfo.processInfo.environment["VIGIL_DATABASE_URL"], !url.isEmpty {
            do { return try DatabaseLocation(url: url) } catch { throw ValidationError("\(error)") }
        }
        return .default(dataDirectory: resolvedDataDirectory)
    }

    /// A storage command's body: storage opened and closed around it, failures printed as one
    /// line with exit status 2.
    /// `readOnly` commands refuse a database that does not exist yet instead of creating one.
    func run(loadIndex: Bool = false, readOnly: Bool = false, _ body: (BankService) async throws -> Void) async throws {
        try await CommandFailure.run { try await withService(loadIndex: loadIndex, readOnly: readOnly, body) }
    }

    /// Opens storage and the bank service (with `loadIndex`, the in-memory index too), runs
    /// `body`, and closes storage whatever happens.
    func withService(loadIndex: Bool, readOnly: Bool = false, _ body: (BankService) async throws -> Void) async throws {
        try await VigilDatabase.withOpen(try location(), mustExist: readOnly) { database in
            let service = BankService(store: SQLBankStore(database: database), index: MatchIndex(), maintainsIndex: loadIndex)
            if loadIndex { try await service.loadIndex() }
            try await body(service)
        }
    }
}

/// Errors a user can act on print as one line and exit 2, not as a stack of Swift types.
enum CommandFailure {
    static func run(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as ExitCode {
            throw error
        } catch let error as ValidationError {
            throw error
        } catch let error as CleanExit {
            throw error
        } catch {
            Standard.error("vigil: \(error)")
            throw ExitCode(2)
        }
    }
}
