import Basics
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
    var entryCount: Int
    var createdAt: String
    var updatedAt: String

    enum CodingKeys: String, CodingKey {
        case name, description, kind, enabled, pdqThreshold = "pdq_threshold", labels, entryCount = "entry_count",
             createdAt = "created_at", updatedAt = "updated_at"
    }

    init(_ bank: Bank, entryCount: Int) {
        name = bank.name
        description = bank.description
        kind = bank.kind.rawValue
        enabled = bank.enabled
        pdqThreshold = bank.pdqThreshold
        labels = bank.labels
        self.entryCount = entryCount
        createdAt = Timestamp.iso8601(bank.createdAt)
        updatedAt = Timestamp.iso8601(bank.updatedAt)
    }
}

struct EntryDetailJSON: Encodable {
    var id: Int64
    var bank: String
    var pdq: String?
    var pdqQuality: Int?
    var md5: String?
    var sha256: String?
    var externalID: String?
    var source: String?
    var note: String?
    var extra: [String: String]
    var disabledUntil: String?
    var addedBy: String
    var addedAt: String

    enum CodingKeys: String, CodingKey {
        case id, bank, pdq, pdqQuality = "pdq_quality", md5, sha256, externalID = "external_id", source, note, extra,
             disabledUntil = "disabled_until", addedBy = "added_by", addedAt = "added_at"
    }

    init(_ entry: BankEntry, bank: Bank) {
        id = entry.id
        self.bank = bank.name
        pdq = entry.signals.pdq?.hex
        pdqQuality = entry.signals.pdqQuality
        md5 = entry.signals.md5
        sha256 = entry.signals.sha256
        externalID = entry.metadata.externalID
        source = entry.metadata.source
        note = entry.metadata.note
        extra = entry.metadata.extra
        disabledUntil = entry.disabledUntil.map(Timestamp.iso8601)
        addedBy = entry.addedBy
        addedAt = Timestamp.iso8601(entry.addedAt)
    }

    func encode(to encoder: any Encoder) throws {
        // Every key is always present (null when unset), so clients see one fixed shape.
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(bank, forKey: .bank)
        try c.encode(pdq, forKey: .pdq)
        try c.encode(pdqQuality, forKey: .pdqQuality)
        try c.encode(md5, forKey: .md5)
        try c.encode(sha256, forKey: .sha256)
        try c.encode(externalID, forKey: .externalID)
        try c.encode(source, forKey: .source)
        try c.encode(note, forKey: .note)
        try c.encode(extra, forKey: .extra)
        try c.encode(disabledUntil, forKey: .disabledUntil)
        try c.encode(addedBy, forKey: .addedBy)
        try c.encode(addedAt, forKey: .addedAt)
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
    var rejected: [Rejection]

    enum CodingKeys: String, CodingKey {
        case added, duplicates, replaced, removed, rejectedCount = "rejected_count", rejected
    }

    init(_ summary: BankService.ImportSummary) {
        added = summary.added
        duplicates = summary.duplicates
        replaced = summary.replaced
        removed = summary.removed
        rejectedCount = summary.rejectedCount
        rejected = summary.rejected.map { Rejection(line: $0.line, reason: $0.reason) }
    }
}
