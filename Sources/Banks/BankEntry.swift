public import Foundation
public import PDQ

/// The signals of one content item. At least one is present.
public struct EntrySignals: Sendable, Hashable {
    public var pdq: PDQHash?
    public var pdqQuality: Int?
    /// Lowercase hex.
    public var md5: String?
    /// Lowercase hex.
    public var sha256: String?

    public init(pdq: PDQHash? = nil, pdqQuality: Int? = nil, md5: String? = nil, sha256: String? = nil) {
        self.pdq = pdq
        self.pdqQuality = pdqQuality
        self.md5 = md5
        self.sha256 = sha256
    }

    public var isEmpty: Bool { pdq == nil && md5 == nil && sha256 == nil }

    /// Signals from the text of an import row; the error names the first field that is wrong.
    public static func parse(pdq: String?, quality: String? = nil, md5: String?, sha256: String? = nil) -> Result<EntrySignals, ImportError> {
        var signals = EntrySignals()
        if let text = pdq {
            guard let hash = PDQHash(hex: text) else { return .failure(ImportError("pdq \"\(text.prefix(80))\" is not 64 hex digits")) }
            signals.pdq = hash
        }
        if let text = quality {
            guard let value = Int(text), (0...100).contains(value) else {
                return .failure(ImportError("quality \"\(text.prefix(20))\" is not an integer from 0 to 100"))
            }
            signals.pdqQuality = value
        }
        if let text = md5 {
            guard let digest = HexDigest.normalise(text, length: 32) else { return .failure(ImportError("md5 \"\(text.prefix(80))\" is not 32 hex digits")) }
            signals.md5 = digest
        }
        if let text = sha256 {
            guard let digest = HexDigest.normalise(text, length: 64) else { return .failure(ImportError("sha256 \"\(text.prefix(80))\" is not 64 hex digits")) }
            signals.sha256 = digest
        }
        return .success(signals)
    }
}

/// What is known about where an entry came from.
public struct EntryMetadata: Sendable, Hashable, Codable {
    /// A key unique within the bank for entries from an exchange (for NCMEC: `ncmec:MEMBER:ENTRY`);
    /// a later record with the same key replaces the earlier one.
    public var externalID: String?
    /// The exchange or list it came from ("ncmec", a file name, …).
    public var source: String?
    public var note: String?
    /// Other identifiers and labels, by name (e.g. `classification`, `sha1`).
    public var extra: [String: String]
    /// Set when the entry was taken out of matching for matching too much (`FloodGuard`).
    public var quarantine: EntryQuarantine?
    /// The false positives it had when a curator last restored it: the guard counts those after.
    public var falsePositivesAtRestore: Int?

    public init(externalID: String? = nil, source: String? = nil, note: String? = nil, extra: [String: String] = [:],
                quarantine: EntryQuarantine? = nil, falsePositivesAtRestore: Int? = nil) {
        self.falsePositivesAtRestore = falsePositivesAtRestore
        self.externalID = externalID
        self.source = source
        self.note = note
        self.extra = extra
        self.quarantine = quarantine
    }
}

/// How an entry (or a bank's entries together) has fared: the lookups it matched (at lookup time
/// and found later), and what reviewers decided about them — cases resolved as confirmed, and as
/// false positives.
public struct EntryFeedback: Sendable, Hashable {
    public var matches: Int
    public var lastMatchedAt: Date?
    public var confirmations: Int
    public var falsePositives: Int
    /// Votes from the Vigils that follow the bank: their reviewers' confirmations and false
    /// positives (one vote per follower's key, the later replacing the earlier).
    public var followerConfirmations: Int
    public var followerFalsePositives: Int

    public init(matches: Int = 0, lastMatchedAt: Date? = nil, confirmations: Int = 0, falsePositives: Int = 0,
                followerConfirmations: Int = 0, followerFalsePositives: Int = 0) {
        self.matches = matches
        self.lastMatchedAt = lastMatchedAt
        self.confirmations = confirmations
        self.falsePositives = falsePositives
        self.followerConfirmations = followerConfirmations
        self.followerFalsePositives = followerFalsePositives
    }
}

/// Matches of one entry counted by a replica since its last flush.
public struct EntryMatchCount: Sendable, Hashable {
    public var matches: Int
    public var last: Date

    public init(matches: Int, last: Date) {
        self.matches = matches
        self.last = last
    }
}

/// Why and when an entry was quarantined: it matches nothing until a curator restores it (or
/// snoozes or deletes it); the matches it produced while live are kept.
public struct EntryQuarantine: Sendable, Hashable, Codable {
    public var at: Date
    public var reason: String

    public init(at: Date, reason: String) {
        self.at = at
        self.reason = reason
    }

    /// How a quarantined entry is kept out of matching: snoozed until a date no clock reaches.
    public static let until = Date(timeIntervalSince1970: 253_402_300_799)
}

extension BankEntry {
    /// Whether its PDQ's quality is below the bank's quality gate (its own, or 50): such an entry
    /// is kept and flagged (a flat or tiny image's hash matches unrelated images).
    public func isBelowQualityGate(of bank: Bank) -> Bool {
        guard signals.pdq != nil, let quality = signals.pdqQuality else { return false }
        return quality < (bank.guards.qualityGate ?? PDQResult.defaultQualityThreshold)
    }
}

/// An entry to add.
public struct NewEntry: Sendable, Hashable {
    public var signals: EntrySignals
    public var metadata: EntryMetadata
    /// Snoozed until this time from the start (an exported snooze, imported again).
    public var disabledUntil: Date?
    public var addedBy: String

    public init(signals: EntrySignals, metadata: EntryMetadata = .init(), disabledUntil: Date? = nil, addedBy: String) {
        self.signals = signals
        self.metadata = metadata
        self.disabledUntil = disabledUntil
        self.addedBy = addedBy
    }
}

/// A stored entry.
public struct BankEntry: Sendable, Hashable {
    public var id: Int64
    public var bankID: Int64
    public var signals: EntrySignals
    public var metadata: EntryMetadata
    /// Snoozed (not matched) until this time.
    public var disabledUntil: Date?
    public var addedBy: String
    public var addedAt: Date

    public init(id: Int64, bankID: Int64, signals: EntrySignals, metadata: EntryMetadata, disabledUntil: Date?,
                addedBy: String, addedAt: Date) {
        self.id = id
        self.bankID = bankID
        self.signals = signals
        self.metadata = metadata
        self.disabledUntil = disabledUntil
        self.addedBy = addedBy
        self.addedAt = addedAt
    }

    public func isSnoozed(at now: Date) -> Bool { disabledUntil.map { $0 > now } ?? false }
}

/// Hex digests: validated, lower-cased.
public enum HexDigest {
    public static func normalise(_ text: String, length: Int) -> String? {
        let lower = text.lowercased()
        guard lower.utf8.count == length, lower.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) else {
            return nil
        }
        return lower
    }
}
