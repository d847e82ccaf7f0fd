public import Banks
public import ImageSignals
public import Foundation
public import PDQ

/// One matched entry: every signal of it that matched, listed once.
public struct LookupMatch: Sendable {
    public var bank: Bank
    public var entryID: Int64
    /// The signals that matched, PDQ first.
    public var signals: [MatchedSignal]
    /// The PDQ distance when PDQ matched; 0 for an exact signal alone.
    public var distance: Int
    /// The dihedral variant of the query that matched (PDQ only).
    public var variant: DihedralVariant?
    /// The entry, when the request asked for entries.
    public var entry: BankEntry?

    public init(_ match: EntryMatch, entry: BankEntry? = nil) {
        bank = match.bank
        entryID = match.entryID
        signals = match.signals
        distance = match.distance
        variant = match.variant
        self.entry = entry
    }

    /// The industry classification to report: the entry's own (`classification`, as NCMEC lists
    /// carry it), else the bank's category labels.
    public var violations: [String] {
        if let own = entry?.metadata.extra["classification"], !own.isEmpty {
            return own.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        return bank.categories
    }
}

/// A match-bank entry an allow-bank entry suppressed (`AllowRule`), and that allow entry.
public struct SuppressedLookupMatch: Sendable {
    public var match: LookupMatch
    public var by: LookupMatch

    public init(match: LookupMatch, by: LookupMatch) {
        self.match = match
        self.by = by
    }
}

/// How long each stage of a lookup took.
public struct LookupTimings: Sendable {
    public var hash: Duration?
    public var match: Duration
    public var entries: Duration?
}

/// What a lookup found.
public struct LookupOutcome: Sendable {
    public var api: LookupAPI
    /// The image's signals, when the request carried an image.
    public var signals: ContentSignals?
    /// The signals that were matched (the image's, or the caller's).
    public var pdq: PDQHash?
    public var md5: String?
    public var sha256: String?
    public var enhanced: Bool
    /// Entries of enabled match banks that the allow rule left standing.
    public var matches: [LookupMatch]
    /// Match-bank entries an allow entry suppressed, each with the allow entry that did.
    public var suppressed: [SuppressedLookupMatch]
    /// Every allow-bank entry the query matched.
    public var allowedBy: [LookupMatch]
    /// True when the PDQ quality was under the gate, so PDQ was not matched.
    public var pdqBelowQualityGate: Bool
    public var timings: LookupTimings

    public var isMatch: Bool { !matches.isEmpty }
}

/// A completed lookup, as it is recorded (`LookupEventRecorder`) and published to in-process
/// observers.
public struct LookupEvent: Sendable {
    public var id: UUID
    public var at: Date
    public var api: LookupAPI
    public var isMatch: Bool
    public var pdq: PDQHash?
    public var pdqQuality: Int?
    public var md5: String?
    public var sha256: String?
    /// The reported matches (bank, entry, distance, signals), without entry bodies.
    public var matches: [LookupMatch]
    /// The matches an allow entry suppressed, with that entry.
    public var suppressed: [SuppressedLookupMatch]
    /// Who the lookup was for.
    public var origin = LookupOrigin()
    /// Whether Vigil hashed an image for it (not signals a caller sent, which could be any hash).
    public var hashedAnImage = false
}

/// Commits the events of lookups that must not be lost (every match), before the lookup
/// answers. The server's recorder writes them to the event table in group commits.
public protocol LookupEventRecorder: Sendable {
    /// Whether the lookup's event must be committed before it answers.
    func mustRecord(matched: Bool, api: LookupAPI) -> Bool
    /// Commits the event; returns once it is durable, throws when it could not be written.
    func record(_ event: LookupEvent) async throws
}

/// Where the lookup service counts what it does (the server's Prometheus registry).
public protocol LookupMetrics: Sendable {
    func recordHash()
    func recordLookup(api: LookupAPI, matched: Bool)
}

/// Counts nothing (the CLI).
public struct NoLookupMetrics: LookupMetrics {
    public init() {}
    public func recordHash() {}
    public func recordLookup(api: LookupAPI, matched: Bool) {}
}
