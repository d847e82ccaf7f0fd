public import Access
public import Cases
public import Foundation
public import ImageCodecs
public import SafeFetch

/// Everything about the HTTP service an operator can set, in one place. `vigil serve` fills it
/// from flags, `VIGIL_*` variables and the config file; tests build it directly.
public struct ServerSettings: Sendable {
    /// The largest request body accepted for image routes (an image, a multipart upload).
    public var maxBodyBytes: Int
    /// The largest JSON body (`max_json_bytes`, 1 MiB by default): a JSON document is decoded
    /// into a tree many times its size (a 32 MB body took 438 MB), so it has a limit of its own.
    /// A larger image goes as itself (`image/*`) or as multipart, up to `maxBodyBytes`.
    public var maxJSONBytes = 1024 * 1024
    /// The largest import upload (`POST /v1/banks/{name}/import`).
    public var maxImportBytes: Int
    public var decodeLimits: DecodeLimits
    /// The memory every image being decoded and hashed may take together (`decode_memory_bytes`,
    /// 2 GiB by default): an image that does not fit waits (an import) or is answered 503 with
    /// Retry-After (a request). See `DecodeMemoryBudget`.
    public var decodeMemoryBytes = 2 * 1024 * 1024 * 1024
    /// PhotoDNA's documented limits: 3208 outside them.
    public var photoDNAMinimumSide: Int
    public var photoDNAMaximumBytes: Int
    /// Peers in these ranges are trusted to have authenticated the caller (a reverse proxy);
    /// their requests need no key and act with `trustedProxyRole`.
    public var trustedProxies: [IPRange]
    public var trustedProxyRole: Role
    /// Threads that decode and hash images (default: one per core).
    public var hashingThreads: Int
    /// Images that may wait for a hashing thread; past that, 503 with Retry-After, so a burst
    /// can neither take all memory nor make every caller wait without bound.
    public var hashingQueueLimit: Int
    /// How long a lookup made while the index loads waits for it before 503 `index_loading`
    /// (`index_wait_seconds`): a replica that has just restarted answers late rather than failing.
    public var indexWaitSeconds = 30
    /// Where uploads wait for their import job (in the data directory, so a restart finds them).
    public var spoolDirectory: URL
    /// This data directory's identity: jobs whose input is spooled here carry it, and only
    /// workers of the same data directory claim them.
    public var nodeID: String
    /// The statuses an account may have (`active` and `blocked` are always among them).
    public var accountStatuses = AccountStatuses()
    /// Whether every lookup is written to the event table as `lookup.completed` even when no
    /// webhook subscription and no live workflow wants it (matches always are, as `match.found`,
    /// before they answer). Off by default: at thousands of lookups a second, a row each costs
    /// more than the lookups.
    public var recordLookupEvents = false
    /// Mark the dashboard's cookies Secure even when no trusted proxy says the request came over
    /// TLS (set when Vigil is only ever reached over HTTPS).
    public var dashboardSecureCookies = false
    /// How long evidence files are kept after their case is decided.
    public var preservation = PreservationPolicy()
    /// How much evidence one reviewer may reveal in a shift, and how long a reveal stays clear.
    public var exposure = ExposureBudget()
    /// Days what lookups screened is kept for retroactive matching (`screened_signals_days`); 0: off.
    public var screenedDays = 90
    /// Distinct images one entry may match in an hour before it is quarantined (`flood_limit_per_hour`); 0: off.
    public var floodLimit = 50
    /// Every this many of an entry's matches reviewers resolve as false positives, it is
    /// quarantined (`false_positive_limit`); 0: off.
    public var falsePositiveLimit = 3
    /// The dashboard's address as people reach it (`public_url`, https://vigil.example.org): chat
    /// messages link back to cases, accounts and runs with it. Nil: messages carry no links.
    public var publicURL: String?

    public init(maxBodyBytes: Int = 32 * 1024 * 1024 + 64 * 1024,
                maxImportBytes: Int = 1024 * 1024 * 1024,
                decodeLimits: DecodeLimits = .default,
                photoDNAMinimumSide: Int = 160,
                photoDNAMaximumBytes: Int = 4 * 1024 * 1024,
                trustedProxies: [IPRange] = [],
                trustedProxyRole: Role = .matcher,
                hashingThreads: Int = ProcessInfo.processInfo.activeProcessorCount,
                hashingQueueLimit: Int = 32,
                spoolDirectory: URL = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-spool"),
                nodeID: String = "local") {
        self.maxBodyBytes = maxBodyBytes
        self.maxImportBytes = maxImportBytes
        self.decodeLimits = decodeLimits
        self.photoDNAMinimumSide = photoDNAMinimumSide
        self.photoDNAMaximumBytes = photoDNAMaximumBytes
        self.trustedProxies = trustedProxies
        self.trustedProxyRole = trustedProxyRole
        self.hashingThreads = hashingThreads
        self.hashingQueueLimit = hashingQueueLimit
        self.spoolDirectory = spoolDirectory
        self.nodeID = nodeID
    }
}
