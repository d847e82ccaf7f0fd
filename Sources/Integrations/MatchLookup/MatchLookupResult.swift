/// The answer of a `match_lookup` operation, the same whichever provider gave it (PhotoDNA or
/// the built-in banks), field for field as `Integrations.matchLookupOutputs` declares it, so a
/// workflow switches provider by changing one field.
public struct MatchLookupResult: Sendable, Equatable {
    public struct Match: Sendable, Equatable {
        /// Where the matching signature came from: a bank, or PhotoDNA's hash source.
        public var source: String
        /// The matching signature's classifications (A1, A2, B1, B2, …).
        public var violations: [String]
        /// The provider's distance, where it reports one.
        public var distance: Int?
        /// The provider's id of the matching signature or entry.
        public var matchID: String?

        public init(source: String, violations: [String], distance: Int?, matchID: String?) {
            self.source = source
            self.violations = violations
            self.distance = distance
            self.matchID = matchID
        }
    }

    /// A match an allow entry suppressed (the built-in banks' allow rule), and that allow entry.
    public struct Suppressed: Sendable, Equatable {
        public var match: Match
        public var by: Match

        public init(match: Match, by: Match) {
            self.match = match
            self.by = by
        }
    }

    public var isMatch: Bool
    public var matches: [Match]
    /// Matches an allow entry suppressed; empty for providers without allow lists (PhotoDNA).
    public var suppressed: [Suppressed]
    public var trackingID: String?
    public var statusCode: Int
    public var statusDescription: String
    /// The provider's answer as it came (JSON text).
    public var raw: String
    /// The bytes that were looked up, when this process had them (the built-in banks always;
    /// PhotoDNA when the image was sent inline): the evidence of a match is these bytes, not a
    /// second fetch of the URL, which may answer with something else.
    public var examined: [UInt8]?

    public init(isMatch: Bool, matches: [Match], suppressed: [Suppressed] = [], trackingID: String?, statusCode: Int,
                statusDescription: String, raw: String, examined: [UInt8]? = nil) {
        self.isMatch = isMatch
        self.matches = matches
        self.suppressed = suppressed
        self.trackingID = trackingID
        self.statusCode = statusCode
        self.statusDescription = statusDescription
        self.raw = raw
        self.examined = examined
    }
}
