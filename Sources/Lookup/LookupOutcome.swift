public import Banks
public import ContentHashing
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

    /// The industry classification to report: the entry's own (`classification`, as NCMEC lists
    /// carry it), else the bank's category labels.
    public var violations: [String] {
        if let own = entry?.metadata.extra["classification"], !own.isEmpty {
            return own.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        return bank.categories
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
    /// Hits in enabled match banks that no allow-bank hit suppressed, one per entry.
    public var matches: [LookupMatch]
    /// Match-bank hits an allow-bank hit suppressed.
    public var suppressed: [LookupMatch]
    /// The allow-bank hits that suppressed them.
    public var allowedBy: [LookupMatch]
    /// True when the PDQ quality was under the gate, so PDQ was not matched.
    public var pdqBelowQualityGate: Bool
    public var timings: LookupTimings

    public var isMatch: Bool { !matches.isEmpty }
}

/// Published after every completed lookup, to observers registered in-process (workflows).
public struct LookupEvent: Sendable {
    public var id: UUID
    public var at: Date
    public var api: LookupAPI
    public var isMatch: Bool
    public var pdq: PDQHash?
    public var md5: String?
    public var sha256: String?
    /// The reported matches (bank, entry, distance, signals), without entry bodies.
    public var matches: [LookupMatch]
    public var suppressedCount: Int
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
