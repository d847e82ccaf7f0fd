import Access
import Cases
import Configuration
import Foundation
import ImageCodecs
import Integrations
import Logging
import SafeFetch
import Storage
import VigilServer

/// Every `vigil serve` setting, read through `SettingsReader`: flag, `VIGIL_*` environment
/// variable, the JSON config file (`--config` / `VIGIL_CONFIG`), default.
struct ServeConfiguration {
    /// The config file's keys (each also a `VIGIL_*` variable; some also a flag).
    static let names: Set<String> = [
        "host", "port", "data_dir", "database_url", "fetch_allow", "trusted_proxies", "trusted_proxy_role", "max_body_bytes",
        "max_image_bytes", "max_pixels", "photodna_min_side", "photodna_max_bytes", "fetch_timeout_seconds", "log_level",
        "hash_threads", "hash_queue", "index_wait_seconds", "demo_bank", "job_lease_seconds", "import_batch_rows",
        "workflow_concurrency", "job_concurrency", "evidence_keep_days", "false_positive_keep_days", "account_statuses",
        "record_lookup_events", "record_match_events", "secure_cookies", "public_url", "integration_endpoints", "max_json_bytes", "decode_memory_bytes", "header_timeout_seconds", "min_body_bytes_per_second", "max_connections",
        "max_connections_per_address", "reveal_seconds", "exposure_reveals_per_shift", "exposure_seconds_per_shift",
        "exposure_shift_hours", "screened_signals_days", "flood_limit_per_hour", "false_positive_limit", "traces_endpoint",
    ]

    typealias Invalid = SettingsReader.Invalid

    var host: String
    var port: Int
    var dataDirectory: String
    var database: DatabaseLocation
    var settings: ServerSettings
    var fetchPolicy: FetchPolicy
    /// Origins the operator lets NCMEC and PhotoDNA credentials use besides the services' own.
    var integrationEndpoints: [String] = []
    /// What a connection must do to stay open, and how many there may be.
    var connections = ConnectionRules()
    var logLevel: String
    var demoBank = true
    /// How long a job worker holds a job without renewing its lease before another may take it.
    var jobLease: Duration = .seconds(30)
    /// Rows an import job commits per transaction (with its checkpoint).
    var importBatchRows = 50_000
    /// Workflow runs this process executes at once (each a job worker of its own).
    var workflowConcurrency = 8
    /// Other jobs (imports, syncs, webhook deliveries, purges) this process runs at once.
    var jobConcurrency = 4
    /// Where spans go (an OpenTelemetry collector's OTLP/HTTP traces address); nil: no tracing.
    var tracesEndpoint: String?

    static func resolve(flags: ServeCommand, environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> ServeConfiguration {
        var given: [String: ConfigValue] = [:]
        if let host = flags.host { given["host"] = ConfigValue(.string(host), isSecret: false) }
        if let port = flags.port { given["port"] = ConfigValue(.int(port), isSecret: false) }
        if let dataDir = flags.storage.dataDir { given["data_dir"] = ConfigValue(.string(dataDir), isSecret: false) }
        if let url = flags.storage.databaseURL { given["database_url"] = ConfigValue(.string(url), isSecret: true) }
        if !flags.fetchAllow.isEmpty { given["fetch_allow"] = ConfigValue(.stringArray(flags.fetchAllow), isSecret: false) }
        if !flags.integrationEndpoint.isEmpty {
            given["integration_endpoints"] = ConfigValue(.stringArray(flags.integrationEndpoint), isSecret: false)
        }
        if !flags.trustedProxy.isEmpty { given["trusted_proxies"] = ConfigValue(.stringArray(flags.trustedProxy), isSecret: false) }
        if let role = flags.trustedProxyRole { given["trusted_proxy_role"] = ConfigValue(.string(role), isSecret: false) }
        if let level = flags.logLevel { given["log_level"] = ConfigValue(.string(level), isSecret: false) }
        if flags.noDemoBank { given["demo_bank"] = ConfigValue(.bool(false), isSecret: false) }
        let settings = try await SettingsReader.open(flags: given, configFile: flags.storage.config, knownNames: names, environment: environment)
        return try resolve(settings)
    }

    static func resolve(_ reader: SettingsReader) throws -> ServeConfiguration {
        let host = try reader.string("host", default: "127.0.0.1")
        let port = try reader.int("port", default: 8080, in: 0...65535)
        let dataDirectory = try reader.string("data_dir", default: "./vigil-data")
        let database: DatabaseLocation
        if let url = try reader.string("database_url"), !url.isEmpty {
            database = try DatabaseLocation(url: url)
        } else {
            database = .default(dataDirectory: dataDirectory)
        }
        let allow: [IPRange], proxies: [IPRange]
        do {
            allow = try FetchPolicy.parseRanges(try reader.strings("fetch_allow"))
            proxies = try FetchPolicy.parseRanges(try reader.strings("trusted_proxies"))
        } catch let error as Invalid {
            throw error
        } catch {
            throw Invalid(description: "\(error)")
        }
        let proxyRoleName = try reader.string("trusted_proxy_role", default: "matcher")
        guard let proxyRole = Role(rawValue: proxyRoleName) else {
            throw Invalid(description: "\(reader.describe("trusted_proxy_role")) must be one of \(Role.names), not \(proxyRoleName)")
        }
        let maxImageBytes = try reader.int("max_image_bytes", default: DecodeLimits.default.maxEncodedBytes, in: 1...Int(Int32.max))
        let maxPixels = try reader.int("max_pixels", default: DecodeLimits.default.maxPixels, in: 1...Int(Int32.max))
        var settings = ServerSettings(
            maxBodyBytes: try reader.int("max_body_bytes", default: maxImageBytes + 64 * 1024, in: 1...Int(Int32.max)),
            decodeLimits: DecodeLimits(maxEncodedBytes: maxImageBytes, maxPixels: maxPixels),
            photoDNAMinimumSide: try reader.int("photodna_min_side", default: 160, in: 1...65535),
            photoDNAMaximumBytes: try reader.int("photodna_max_bytes", default: 4 * 1024 * 1024, in: 1...Int(Int32.max)),
            trustedProxies: proxies,
            trustedProxyRole: proxyRole)
        settings.maxJSONBytes = try reader.int("max_json_bytes", default: 1024 * 1024, in: 1024...(64 * 1024 * 1024))
        settings.decodeMemoryBytes = try reader.int("decode_memory_bytes", default: 2 * 1024 * 1024 * 1024, in: (64 * 1024 * 1024)...Int(Int64.max / 2))
        // One hashing thread per core: more only holds memory (a 1600×1004 image takes ~20 MB while hashed).
        settings.hashingThreads = try reader.int("hash_threads", default: ProcessInfo.processInfo.activeProcessorCount, in: 1...256)
        settings.hashingQueueLimit = try reader.int("hash_queue", default: 32, in: 0...100_000)
        // Below a load balancer's read timeout (nginx: 60 s), or the balancer answers first.
        settings.indexWaitSeconds = try reader.int("index_wait_seconds", default: 30, in: 0...50)
        // The demo bank is for a first start only: --no-demo-bank, VIGIL_DEMO_BANK=false or "demo_bank": false turn it off.
        let demoBank = try reader.bool("demo_bank", default: true)
        let leaseSeconds = try reader.int("job_lease_seconds", default: 30, in: 1...3600)
        let importBatchRows = try reader.int("import_batch_rows", default: 50_000, in: 1...5_000_000)
        let workflowConcurrency = try reader.int("workflow_concurrency", default: 8, in: 1...256)
        let jobConcurrency = try reader.int("job_concurrency", default: 4, in: 1...256)
        settings.preservation = PreservationPolicy(confirmedDays: try reader.int("evidence_keep_days", default: 365, in: 1...36_500),
                                                   falsePositiveDays: try reader.int("false_positive_keep_days", default: 30, in: 1...36_500))
        let revealSeconds = try reader.int("reveal_seconds", default: 30, in: 5...3600)
        // A seconds cap below one reveal's length would refuse every reveal.
        settings.exposure = ExposureBudget(revealsPerShift: try reader.int("exposure_reveals_per_shift", default: 60, in: 1...10_000),
                                           secondsPerShift: try reader.int("exposure_seconds_per_shift", default: 1800, in: revealSeconds...86_400),
                                           shiftHours: try reader.int("exposure_shift_hours", default: 8, in: 1...24),
                                           revealSeconds: revealSeconds)
        // Retroactive matching keeps what lookups screened this many days (0: keeps nothing).
        settings.screenedDays = try reader.int("screened_signals_days", default: 90, in: 0...3650)
        // An entry matching more distinct images than this in an hour is quarantined (0: never).
        settings.floodLimit = try reader.int("flood_limit_per_hour", default: 50, in: 0...10_000_000)
        // Every this many of an entry's matches found false positive by reviewers, it is quarantined (0: never).
        settings.falsePositiveLimit = try reader.int("false_positive_limit", default: 3, in: 0...1_000_000)
        let statuses = try reader.strings("account_statuses")
        if !statuses.isEmpty {
            guard statuses.allSatisfy({ !$0.isEmpty && $0.count <= 64 && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } }) else {
                throw Invalid(description: "\(reader.describe("account_statuses")) must be names of letters, digits and '_', not \(statuses)")
            }
            settings.accountStatuses = AccountStatuses(statuses)
        }
        settings.recordLookupEvents = try reader.bool("record_lookup_events", default: false)
        // Every match is written before it answers now; an old setting that asks otherwise is refused, not ignored.
        if try reader.bool("record_match_events", default: true) == false {
            throw Invalid(description: "record_match_events is false, but every match is now written to the event table before it answers "
                + "(nothing that matters may be dropped): remove the setting")
        }
        settings.dashboardSecureCookies = try reader.bool("secure_cookies", default: false)
        if let text = try reader.string("public_url"), !text.isEmpty {
            guard let components = URLComponents(string: text), ["http", "https"].contains(components.scheme?.lowercased() ?? ""),
                  components.host?.isEmpty == false, components.query == nil, components.fragment == nil, components.user == nil else {
                throw Invalid(description: "\(reader.describe("public_url")) must be the dashboard's http(s) address, such as https://vigil.example.org, not \(text)")
            }
            settings.publicURL = text
        }
        settings.spoolDirectory = URL(fileURLWithPath: dataDirectory).appendingPathComponent("spool")
        var policy = FetchPolicy(allow: allow, maxBytes: maxImageBytes)
        if let seconds = try reader.double("fetch_timeout_seconds") {
            guard seconds > 0, seconds <= 3600 else {
                throw Invalid(description: "\(reader.describe("fetch_timeout_seconds")) must be more than 0 and at most 3600, not \(seconds)")
            }
            policy.totalTimeout = .milliseconds(Int(seconds * 1000))
        }
        let logLevel = try reader.string("log_level", default: "info")
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw Invalid(description: "\(reader.describe("log_level")) must be trace, debug, info, notice, warning, error or critical, not \(logLevel)")
        }
        var connections = ConnectionRules()
        connections.headerTimeout = .seconds(try reader.int("header_timeout_seconds", default: 10, in: 1...3600))
        // A body's grace is the headers' time: one setting for how long a request may dawdle.
        connections.bodyGrace = connections.headerTimeout
        connections.minimumBodyRate = try reader.int("min_body_bytes_per_second", default: 1024, in: 1...Int(Int32.max))
        connections.maxConnections = try reader.int("max_connections", default: 1024, in: 1...1_000_000)
        connections.perAddress = try reader.int("max_connections_per_address", default: 128, in: 1...1_000_000)
        connections.trustedProxies = proxies
        return ServeConfiguration(host: host, port: port, dataDirectory: dataDirectory, database: database, settings: settings,
                                  fetchPolicy: policy, integrationEndpoints: try integrationEndpoints(reader), connections: connections,
                                  logLevel: logLevel, demoBank: demoBank, jobLease: .seconds(leaseSeconds),
                                  importBatchRows: importBatchRows, workflowConcurrency: workflowConcurrency, jobConcurrency: jobConcurrency,
                                  tracesEndpoint: try tracesEndpoint(reader))
    }

    /// `traces_endpoint`: the collector's full OTLP/HTTP traces address, used as given
    /// (`http://collector:4318/v1/traces`). A collector's credentials go in
    /// `OTEL_EXPORTER_OTLP_TRACES_HEADERS`, never in the address, which is logged.
    static func tracesEndpoint(_ reader: SettingsReader) throws -> String? {
        guard let text = try reader.string("traces_endpoint"), !text.isEmpty else { return nil }
        guard let components = URLComponents(string: text), ["http", "https"].contains(components.scheme?.lowercased() ?? ""),
              components.host?.isEmpty == false, components.user == nil, components.password == nil, components.fragment == nil else {
            // An address with a password is not repeated: the error is printed and logged.
            let given = text.contains("@") ? "an address with a user name or password" : "\"\(text.prefix(200))\""
            throw Invalid(description: "\(reader.describe("traces_endpoint")) must be an OpenTelemetry collector's http(s) traces address "
                + "without a user name or password, such as http://collector:4318/v1/traces, not \(given)")
        }
        return text
    }

    /// `integration_endpoints`: each an http(s) origin (`https://host[:port]`, no path).
    static func integrationEndpoints(_ reader: SettingsReader) throws -> [String] {
        let given = try reader.strings("integration_endpoints").flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return try given.map { text in
            guard let origin = Integration.origin(of: text), let path = URLComponents(string: text)?.path, path.isEmpty || path == "/",
                  URLComponents(string: text)?.query == nil else {
                throw Invalid(description: "\(reader.describe("integration_endpoints")): \"\(text.prefix(200))\" is not an origin such as https://ncmec-proxy.example.org")
            }
            return origin
        }
    }
}
