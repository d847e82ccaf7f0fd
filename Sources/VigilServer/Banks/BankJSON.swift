import Basics
import BankImport
import Banks
import Foundation

/// The native API's bank and entry shapes.
struct BankJSON: Encodable {
    var name: String
    var description: String
    var kind: String
    var enabled: Bool
    var pdqThreshold: Int
    var labels: [String]
    var floodLimit: Int?
    var falsePositiveLimit: Int?
    var qualityGate: Int?
    var entryCount: Int
    var createdAt: String
    var updatedAt: String
    /// Its entries' matches and reviewers' verdicts, together.
    var feedback: FeedbackJSON
    /// How many of its entries are quarantined (a curator decides about each).
    var quarantined: Int
    /// Its deletion has begun: it can only be deleted (again, to finish).
    var deleting: Bool

    func encode(to encoder: any Encoder) throws {
        // The guards are always present (null: the server's setting applies).
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(description, forKey: .description)
        try c.encode(kind, forKey: .kind)
        try c.encode(enabled, forKey: .enabled)
        try c.encode(pdqThreshold, forKey: .pdqThreshold)
        try c.encode(labels, forKey: .labels)
        try c.encode(floodLimit, forKey: .floodLimit)
        try c.encode(falsePositiveLimit, forKey: .falsePositiveLimit)
        try c.encode(qualityGate, forKey: .qualityGate)
        try c.encode(entryCount, forKey: .entryCount)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
        try c.encode(feedback, forKey: .feedback)
        try c.encode(quarantined, forKey: .quarantined)
        try c.encode(deleting, forKey: .deleting)
    }

    enum CodingKeys: String, CodingKey {
        case name, description, kind, enabled, pdqThreshold = "pdq_threshold", labels, entryCount = "entry_count",
             createdAt = "created_at", updatedAt = "updated_at", feedback, quarantined, deleting
        case floodLimit = "flood_limit_per_hour", falsePositiveLimit = "false_positive_limit", qualityGate = "quality_gate"
    }

    init(_ bank: Bank, entryCount: Int, feedback: EntryFeedback = EntryFeedback(), quarantined: Int = 0) {
        self.feedback = FeedbackJSON(feedback)
        self.quarantined = quarantined
        deleting = bank.deleting
        name = bank.name
        description = bank.description
        kind = bank.kind.rawValue
        enabled = bank.enabled
        pdqThreshold = bank.pdqThreshold
        labels = bank.labels
        floodLimit = bank.guards.floodLimitPerHour
        falsePositiveLimit = bank.guards.falsePositiveLimit
        qualityGate = bank.guards.qualityGate
        self.entryCount = entryCount
        createdAt = Timestamp.iso8601(bank.createdAt)
        updatedAt = Timestamp.iso8601(bank.updatedAt)
    }
}

/// An entry's (or a bank's) matches and what reviewers decided about them.
struct FeedbackJSON: Encodable {
    var matches: Int
    var lastMatchedAt: String?
    var confirmations: Int
    var falsePositives: Int
    /// The votes of the Vigils that follow the bank.
    var followers: [String: Int]

    enum CodingKeys: String, CodingKey {
        case matches, lastMatchedAt = "last_matched_at", confirmations, falsePositives = "false_positives", followers
    }

    init(_ feedback: EntryFeedback) {
        matches = feedback.matches
        lastMatchedAt = feedback.lastMatchedAt.map(Timestamp.iso8601)
        confirmations = feedback.confirmations
        falsePositives = feedback.falsePositives
        followers = ["confirmations": feedback.followerConfirmations, "false_positives": feedback.followerFalsePositives]
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(matches, forKey: .matches)
        try c.encode(lastMatchedAt, forKey: .lastMatchedAt)
        try c.encode(confirmations, forKey: .confirmations)
        try c.encode(falsePositives, forKey: .falsePositives)
        try c.encode(followers, forKey: .followers)
    }
}

/// An entry as the API shows it: the change export's shape (`ExportedEntry`: signals and
/// identifiers, what another Vigil follows) with what stays with the organisation that wrote it
/// (its bank, the curator's note, who added it and when). One shape of an entry, told in full
/// here and without the private fields in the export.
struct EntryDetailJSON: Encodable {
    let exported: ExportedEntry
    var bank: String
    var note: String?
    var addedBy: String
    var addedAt: String
    /// Set when the entry matched too much and stopped matching (the flood guard).
    var quarantine: [String: String]?
    /// Its matches and reviewers' verdicts on them (null where the answer does not read them: a match's entry).
    var feedback: FeedbackJSON?

    /// A PDQ whose quality is below the bank's gate (its own, or 50): kept, and flagged.
    var lowQuality: Bool

    enum CodingKeys: String, CodingKey { case bank, note, addedBy = "added_by", addedAt = "added_at", quarantine, feedback, lowQuality = "low_quality" }

    init(_ entry: BankEntry, bank: Bank, feedback: EntryFeedback? = nil) {
        self.feedback = feedback.map(FeedbackJSON.init)
        exported = ExportedEntry(entry)
        self.bank = bank.name
        note = entry.metadata.note
        addedBy = entry.addedBy
        addedAt = Timestamp.iso8601(entry.addedAt)
        quarantine = entry.metadata.quarantine.map { ["at": Timestamp.iso8601($0.at), "reason": $0.reason] }
        lowQuality = entry.isBelowQualityGate(of: bank)
    }

    func encode(to encoder: any Encoder) throws {
        // Every key is always present (null when unset), so clients see one fixed shape.
        try exported.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(bank, forKey: .bank)
        try c.encode(note, forKey: .note)
        try c.encode(addedBy, forKey: .addedBy)
        try c.encode(addedAt, forKey: .addedAt)
        try c.encode(quarantine, forKey: .quarantine)
        try c.encode(feedback, forKey: .feedback)
        try c.encode(lowQuality, forKey: .lowQuality)
    }
}

struct EntryPage: Encodable {
    var entries: [EntryDetailJSON]
    var nextAfter: Int64?

    enum CodingKeys: String, CodingKey { case entries, nextAfter = "next_after" }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(entries, forKey: .entries)
        try c.encode(nextAfter, forKey: .nextAfter)
    }
}

struct AddedJSON: Encodable {
    var added: Int
    var duplicates: Int
    var entryIDs: [Int64]

    enum CodingKeys: String, CodingKey { case added, duplicates, entryIDs = "entry_ids" }
}

struct ImportJSON: Encodable {
    struct Rejection: Encodable {
        var line: Int
        var reason: String
    }

    var added: Int
    var duplicates: Int
    var replaced: Int
    var removed: Int
    var rejectedCount: Int
    var lowQuality: Int
    var rejected: [Rejection]

    enum CodingKeys: String, CodingKey {
        case added, duplicates, replaced, removed, rejectedCount = "rejected_count", lowQuality = "low_quality", rejected
    }

    init(_ summary: BankService.ImportSummary) {
        added = summary.added
        duplicates = summary.duplicates
        replaced = summary.replaced
        removed = summary.removed
        rejectedCount = summary.rejectedCount
        lowQuality = summary.lowQuality
        rejected = summary.rejected.map { Rejection(line: $0.line, reason: $0.reason) }
    }
}
