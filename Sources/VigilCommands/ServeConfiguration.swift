import Access
import Foundation
import ImageCodecs
import SafeFetch
import Storage
import VigilServer

/// Where every `vigil serve` setting comes from, in order: flag, `VIGIL_*` environment variable,
/// the JSON config file (`--config` / `VIGIL_CONFIG`), default.
struct ServeConfiguration {
    /// The config file's keys (all optional).
    struct File: Decodable {
        var host: String?
        var port: Int?
        var dataDir: String?
        var databaseURL: String?
        var fetchAllow: [String]?
        var trustedProxies: [String]?
        var trustedProxyRole: String?
        var maxBodyBytes: Int?
        var maxImageBytes: Int?
        var maxPixels: Int?
        var photodnaMinSide: Int?
        var photodnaMaxBytes: Int?
        var fetchTimeoutSeconds: Double?
        var logLevel: String?
        var hashThreads: Int?
        var hashQueue: Int?
        var demoBank: Bool?
        var jobLeaseSeconds: Int?
        var importBatchRows: Int?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case host, port, dataDir = "data_dir", databaseURL = "database_url", fetchAllow = "fetch_allow",
                 trustedProxies = "trusted_proxies", trustedProxyRole = "trusted_proxy_role", maxBodyBytes = "max_body_bytes",
                 maxImageBytes = "max_image_bytes", maxPixels = "max_pixels", photodnaMinSide = "photodna_min_side",
                 photodnaMaxBytes = "photodna_max_bytes", fetchTimeoutSeconds = "fetch_timeout_seconds", logLevel = "log_level",
                 hashThreads = "hash_threads", hashQueue = "hash_queue", demoBank = "demo_bank",
                 jobLeaseSeconds = "job_lease_seconds", importBatchRows = "import_batch_rows"
        }
    }

    struct Invalid: Error, CustomStringConvertible {
        let description: String
    }

    var host: String
    var port: Int
    var dataDirectory: String
    var database: DatabaseLocation
    var settings: ServerSettings
    var fetchPolicy: FetchPolicy
    var logLevel: String
    var demoBank = true
    /// How long a job worker holds a job without renewing its lease before another may take it.
    var jobLease: Duration = .seconds(30)
    /// Rows an import job commits per transaction (with its checkpoint).
    var importBatchRows = 50_000

    static func resolve(flags: ServeCommand, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ServeConfiguration {
        var file = File()
        if let path = flags.config ?? environment["VIGIL_CONFIG"] {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch { throw Invalid(description: "cannot read config file \(path)") }
            do {
                file = try JSONDecoder().decode(File.self, from: data)
            } catch {
                throw Invalid(description: "config file \(path) is not valid: \(error)")
            }
            // A misspelt key would otherwise be ignored silently and its default used.
            let known = Set(File.CodingKeys.allCases.map(\.rawValue))
            if let keys = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
               let unknown = keys.keys.sorted().first(where: { !known.contains($0) }) {
                throw Invalid(description: "config file \(path) has an unknown key \"\(unknown)\" (known: \(known.sorted().joined(separator: ", ")))")
            }
        }
        func integer(_ flag: Int?, _ variable: String, _ fromFile: Int?, _ fallback: Int) throws -> Int {
            if let flag { return flag }
            if let text = environment[variable] {
                guard let value = Int(text) else { throw Invalid(description: "\(variable)=\(text) is not an integer") }
                return value
            }
            return fromFile ?? fallback
        }
        let host = flags.host ?? environment["VIGIL_HOST"] ?? file.host ?? "127.0.0.1"
        let port = try integer(flags.port, "VIGIL_PORT", file.port, 8080)
        guard (0...65535).contains(port) else { throw Invalid(description: "port \(port) is not 0-65535") }
        let dataDirectory = flags.dataDir ?? environment["VIGIL_DATA_DIR"] ?? file.dataDir ?? "./vigil-data"
        let database: DatabaseLocation
        if let url = flags.databaseURL ?? environment["VIGIL_DATABASE_URL"] ?? file.databaseURL, !url.isEmpty {
            database = try DatabaseLocation(url: url)
        } else {
            database = .default(dataDirectory: dataDirectory)
        }

        let allowTexts = !flags.fetchAllow.isEmpty ? flags.fetchAllow : environment["VIGIL_FETCH_ALLOW"].map { [$0] } ?? file.fetchAllow ?? []
        let proxyTexts = !flags.trustedProxy.isEmpty ? flags.trustedProxy : environment["VIGIL_TRUSTED_PROXIES"].map { [$0] } ?? file.trustedProxies ?? []
        let allow: [IPRange], proxies: [IPRange]
        do {
            allow = try FetchPolicy.parseRanges(allowTexts)
            proxies = try FetchPolicy.parseRanges(proxyTexts)
        } catch {
            throw Invalid(description: "\(error)")
        }
        let proxyRoleName = flags.trustedProxyRole ?? environment["VIGIL_TRUSTED_PROXY_ROLE"] ?? file.trustedProxyRole ?? "matcher"
        guard let proxyRole = Role(rawValue: proxyRoleName) else {
            throw Invalid(description: "the trusted proxy role must be matcher, curator or admin, not \(proxyRoleName)")
        }
        let maxImageBytes = try integer(nil, "VIGIL_MAX_IMAGE_BYTES", file.maxImageBytes, DecodeLimits.default.maxEncodedBytes)
        let maxPixels = try integer(nil, "VIGIL_MAX_PIXELS", file.maxPixels, DecodeLimits.default.maxPixels)
        var settings = ServerSettings(
            maxBodyBytes: try integer(nil, "VIGIL_MAX_BODY_BYTES", file.maxBodyBytes, maxImageBytes + 64 * 1024),
            decodeLimits: DecodeLimits(maxEncodedBytes: maxImageBytes, maxPixels: maxPixels),
            photoDNAMinimumSide: try integer(nil, "VIGIL_PHOTODNA_MIN_SIDE", file.photodnaMinSide, 160),
            photoDNAMaximumBytes: try integer(nil, "VIGIL_PHOTODNA_MAX_BYTES", file.photodnaMaxBytes, 4 * 1024 * 1024),
            trustedProxies: proxies,
            trustedProxyRole: proxyRole)
        // One hashing thread per core: more only holds memory (a 1600×1004 image takes ~20 MB while hashed).
        settings.hashingThreads = try integer(nil, "VIGIL_HASH_THREADS", file.hashThreads, ProcessInfo.processInfo.activeProcessorCount)
        settings.hashingQueueLimit = try integer(nil, "VIGIL_HASH_QUEUE", file.hashQueue, 32)
        guard (1...256).contains(settings.hashingThreads) else {
            throw Invalid(description: "hash_threads (VIGIL_HASH_THREADS) must be 1-256, not \(settings.hashingThreads)")
        }
        guard (0...100_000).contains(settings.hashingQueueLimit) else {
            throw Invalid(description: "hash_queue (VIGIL_HASH_QUEUE) must be 0-100000, not \(settings.hashingQueueLimit)")
        }
        // The demo bank is for a first start only: the flag, VIGIL_DEMO_BANK=false or "demo_bank": false turn it off.
        var demoBank = file.demoBank ?? true
        if let text = environment["VIGIL_DEMO_BANK"] {
            switch text.lowercased() {
            case "true", "1", "yes": demoBank = true
            case "false", "0", "no": demoBank = false
            default: throw Invalid(description: "VIGIL_DEMO_BANK=\(text) is not true or false")
            }
        }
        if flags.noDemoBank { demoBank = false }
        let leaseSeconds = try integer(nil, "VIGIL_JOB_LEASE_SECONDS", file.jobLeaseSeconds, 30)
        guard (1...3600).contains(leaseSeconds) else {
            throw Invalid(description: "job_lease_seconds (VIGIL_JOB_LEASE_SECONDS) must be 1-3600, not \(leaseSeconds)")
        }
        let importBatchRows = try integer(nil, "VIGIL_IMPORT_BATCH_ROWS", file.importBatchRows, 50_000)
        guard (1...5_000_000).contains(importBatchRows) else {
            throw Invalid(description: "import_batch_rows (VIGIL_IMPORT_BATCH_ROWS) must be 1-5000000, not \(importBatchRows)")
        }
        settings.spoolDirectory = URL(fileURLWithPath: dataDirectory).appendingPathComponent("spool")
        guard settings.maxBodyBytes > 0, maxImageBytes > 0, maxPixels > 0 else { throw Invalid(description: "limits must be positive") }
        var policy = FetchPolicy(allow: allow, maxBytes: maxImageBytes)
        if let seconds = file.fetchTimeoutSeconds ?? environment["VIGIL_FETCH_TIMEOUT_SECONDS"].flatMap(Double.init) {
            policy.totalTimeout = .milliseconds(Int(seconds * 1000))
        }
        return ServeConfiguration(host: host, port: port, dataDirectory: dataDirectory, database: database, settings: settings,
                                  fetchPolicy: policy, logLevel: flags.logLevel ?? environment["VIGIL_LOG_LEVEL"] ?? file.logLevel ?? "info",
                                  demoBank: demoBank, jobLease: .seconds(leaseSeconds), importBatchRows: importBatchRows)
    }
}
