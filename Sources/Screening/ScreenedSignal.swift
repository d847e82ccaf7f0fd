public import Foundation
public import PDQ

/// What one lookup screened: its signals (never the image) and its context. Kept for the
/// retention period, so an entry added to a match bank later is checked against what was
/// screened before it (retroactive matching).
public struct ScreenedSignal: Sendable, Equatable {
    /// Its row id (0 before it is stored).
    public var id: Int64
    public var at: Date
    /// The lookup's id (its events carry it as `lookup:<id>`).
    public var lookupID: String
    /// The door it came through (`native`, `photodna`, `hma`, `integration`, …).
    public var api: String
    public var caller: String?
    public var accountReference: String?
    public var runID: Int64?
    public var pdq: PDQHash?
    public var pdqQuality: Int?
    public var md5: String?
    public var sha256: String?
    /// The entries the lookup matched then: a later check does not report them again.
    public var matchedEntries: [Int64]

    public init(id: Int64 = 0, at: Date, lookupID: String, api: String, caller: String?, accountReference: String?, runID: Int64?,
                pdq: PDQHash?, pdqQuality: Int?, md5: String?, sha256: String?, matchedEntries: [Int64] = []) {
        self.matchedEntries = matchedEntries
        self.id = id
        self.at = at
        self.lookupID = lookupID
        self.api = api
        self.caller = caller
        self.accountReference = accountReference
        self.runID = runID
        self.pdq = pdq
        self.pdqQuality = pdqQuality
        self.md5 = md5
        self.sha256 = sha256
    }

    /// Whole days since 1970 (UTC): the unit the retention drops.
    public var day: Int64 { Int64((at.timeIntervalSince1970 / 86_400).rounded(.down)) }

    public static func day(of time: Date) -> Int64 { Int64((time.timeIntervalSince1970 / 86_400).rounded(.down)) }
}

/// An entry of a match bank as the retroactive check reads it: its signals and its bank's threshold.
public struct RetroEntry: Sendable, Equatable {
    public var id: Int64
    public var bank: String
    public var pdq: PDQHash?
    public var md5: String?
    public var sha256: String?
    /// The bank's PDQ threshold: a screened PDQ within it matches.
    public var threshold: Int

    public init(id: Int64, bank: String, pdq: PDQHash?, md5: String?, sha256: String?, threshold: Int) {
        self.id = id
        self.bank = bank
        self.pdq = pdq
        self.md5 = md5
        self.sha256 = sha256
        self.threshold = threshold
    }
}

/// A screened image that an entry added later matches.
public struct RetroHit: Sendable, Equatable {
    public var screened: ScreenedSignal
    public var entry: RetroEntry
    /// The PDQ distance (0 for MD5 or SHA-256).
    public var distance: Int
    /// Which signal matched: `pdq`, `md5`, `sha256`.
    public var signal: String

    public init(screened: ScreenedSignal, entry: RetroEntry, distance: Int, signal: String) {
        self.screened = screened
        self.entry = entry
        self.distance = distance
        self.signal = signal
    }
}
