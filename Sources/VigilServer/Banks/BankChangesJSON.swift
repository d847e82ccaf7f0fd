import BankImport
import Banks
import Foundation

/// A page of a bank's change export, for another Vigil that follows the bank (`vigil_remote`);
/// its entries are `ExportedEntry`, the format the follower reads.
struct BankChangesJSON: Encodable {
    var bank: String
    var labels: [String]
    var entries: [ExportedEntry]
    var removed: [Int64]
    var bankDeleted: Bool
    /// The path of the next page, or nil at the end of this read.
    var next: String?
    /// The sequence to read after next time, once every page of this read is applied.
    var checkpoint: String

    enum CodingKeys: String, CodingKey { case bank, labels, entries, removed, bankDeleted = "bank_deleted", next, checkpoint }

    init(_ page: BankChangesPage, bank: Bank) {
        self.bank = bank.name
        labels = bank.labels
        entries = page.entries.map(ExportedEntry.init)
        removed = page.removed
        bankDeleted = page.bankDeleted
        next = page.next.map { cursor in
            var path = "/v1/banks/\(bank.name)/changes?after=\(cursor.after)"
            if let snapshot = cursor.snapshot { path += "&snapshot=\(snapshot)" }
            if let entry = cursor.afterEntry { path += "&after_entry=\(entry)" }
            return path
        }
        checkpoint = String(page.checkpoint)
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(bank, forKey: .bank)
        try c.encode(labels, forKey: .labels)
        try c.encode(entries, forKey: .entries)
        try c.encode(removed, forKey: .removed)
        try c.encode(bankDeleted, forKey: .bankDeleted)
        try c.encode(next, forKey: .next)
        try c.encode(checkpoint, forKey: .checkpoint)
    }
}
