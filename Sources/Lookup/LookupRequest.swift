import Banks
public import ImageSignals
public import PDQ

/// Which door a lookup came through: metrics and events are labelled with it.
public enum LookupAPI: String, Sendable, CaseIterable {
    case native, photodna, hma, cli
    /// An integration operation (a workflow step's `vigil` match_lookup).
    case integration
    /// A workflow draft's test run: recorded like every lookup, marked so that no workflow
    /// starts from it and a webhook receiver can tell it from a live run's.
    case trial
}

/// What a caller asks, whatever API it spoke.
public struct LookupRequest: Sendable {
    public enum Input: Sendable {
        /// Encoded image bytes, decoded and hashed on the hashing pool.
        case image([UInt8])
        /// An image the adapter already hashed through `LookupService.hash` (to check its format or
        /// size against its API's rules first).
        case hashed(ContentSignals)
        /// Signals the caller already has (validated by the adapter that parsed them).
        case signals(pdq: PDQHash?, md5: String?, sha256: String?)
    }

    public var input: Input
    public var api: LookupAPI
    /// Match all 8 dihedral variants of the image's PDQ, not just the original.
    public var enhanced: Bool
    /// Restrict matching to these banks (nil: every enabled bank).
    public var banks: [String]?
    /// Overrides every bank's PDQ threshold (0...256).
    public var threshold: Int?
    public var qualityGate: Int
    /// Read the matched entries (one query for all of them). Hash-lookup APIs that answer with
    /// ids and distances only leave this off.
    public var includeEntries: Bool
    /// Treat bank names that do not exist as matching nothing instead of refusing the request
    /// (HMA's behaviour; the native API and the CLI refuse, so a typo is never a silent "no match").
    public var ignoreUnknownBanks = false
    /// Who the lookup is for: kept with its screened signals (retroactive matching).
    public var origin = LookupOrigin()

    public init(input: Input, api: LookupAPI, enhanced: Bool = false, banks: [String]? = nil, threshold: Int? = nil,
                qualityGate: Int = PDQResult.defaultQualityThreshold, includeEntries: Bool = true) {
        self.input = input
        self.api = api
        self.enhanced = enhanced
        self.banks = banks
        self.threshold = threshold
        self.qualityGate = qualityGate
        self.includeEntries = includeEntries
    }
}
