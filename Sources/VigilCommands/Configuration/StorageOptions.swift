import ArgumentParser
import Banks
import Composition
import Configuration
import Foundation
import IntegrationClients
import SafeFetch
import Storage

/// `--data-dir`, `--database-url` and `--config`, shared by every command that touches storage;
/// read with the rest of the settings (flag, `VIGIL_*` variable, config file, default).
struct StorageOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Data directory (env VIGIL_DATA_DIR; default ./vigil-data).", valueName: "dir"))
    var dataDir: String?

    @Option(help: ArgumentHelp("postgres://… or sqlite:PATH (env VIGIL_DATABASE_URL); default: the SQLite file in the data directory.", valueName: "url"))
    var databaseURL: String?

    @Option(help: ArgumentHelp("JSON config file, one for every command (env VIGIL_CONFIG).", valueName: "file"))
    var config: String?

    /// The settings reader for this command line.
    func settings() async throws -> SettingsReader {
        var given: [String: ConfigValue] = [:]
        if let dataDir { given["data_dir"] = ConfigValue(.string(dataDir), isSecret: false) }
        if let databaseURL { given["database_url"] = ConfigValue(.string(databaseURL), isSecret: true) }
        return try await SettingsReader.open(flags: given, configFile: config, knownNames: ServeConfiguration.names)
    }

    /// The data directory: the SQLite file's home by default, and always the master key file's.
    func dataDirectory() async throws -> URL {
        URL(fileURLWithPath: try await settings().string("data_dir", default: "./vigil-data"))
    }

    /// The outbound gate of a command that calls out (a credential test, a sync): the address
    /// rules of `vigil serve`, with its `fetch_allow` (env `VIGIL_FETCH_ALLOW`, the config file).
    func outboundGate() async throws -> OutboundGate { try await fetcher().gate }

    /// The fetcher (and its gate) of a command that calls out.
    func fetcher() async throws -> SafeURLFetcher {
        let settings = try await settings()
        let allow: [IPRange]
        do {
            allow = try FetchPolicy.parseRanges(try settings.strings("fetch_allow"))
        } catch let error as FetchPolicy.InvalidRange {
            throw SettingsReader.Invalid(description: "fetch_allow: \(error.description)")
        }
        return SafeURLFetcher(policy: FetchPolicy(allow: allow))
    }

    /// Where this command's credentials may send their secrets: the gate's rules and the
    /// operator's `integration_endpoints`.
    func endpointRules(gate: OutboundGate) async throws -> EndpointRules {
        EndpointRules(gate: gate, allowedOrigins: try ServeConfiguration.integrationEndpoints(try await settings()))
    }

    func location() async throws -> DatabaseLocation {
        let settings = try await settings()
        if let url = try settings.string("database_url"), !url.isEmpty {
            return try DatabaseLocation(url: url)
        }
        return .default(dataDirectory: try settings.string("data_dir", default: "./vigil-data"))
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
        try await VigilDatabase.withOpen(try await location(), mustExist: readOnly) { database in
            let service = Assemble.banks(Stores(database), index: loadIndex ? .loadedOnce : .none)
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
