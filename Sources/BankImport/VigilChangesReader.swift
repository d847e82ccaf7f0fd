import Basics
package import Banks
import Foundation
import PDQ

/// A page of another Vigil's change export (`GET /v1/banks/{name}/changes`) as import items:
/// each entry keyed `vigil:BANK:ID` (the other Vigil's bank and entry id), so its next version
/// updates the same entry here, and each removal withdraws it. The other side's external id and
/// labels travel as metadata.
package struct VigilChangesReader: ImportReader {
    struct Page: Decodable {
        var bank: String
        var entries: [ExportedEntry]
        var removed: [Int64]
        var bankDeleted: Bool

        enum CodingKeys: String, CodingKey { case bank, entries, removed, bankDeleted = "bank_deleted" }
    }

    private var items: [ImportItem]
    private var position = 0

    package init(_ document: [UInt8], addedBy: String) throws {
        let page: Page
        do { page = try JSONDecoder().decode(Page.self, from: Data(document)) } catch {
            throw ImportError("the other Vigil's page is not a change export: \(error)")
        }
        guard !page.bankDeleted else { throw ImportError("the other Vigil deleted bank \(page.bank); the entries it shared are kept here") }
        var items: [ImportItem] = []
        for (index, entry) in page.entries.enumerated() {
            let line = index + 1
            switch EntrySignals.parse(pdq: entry.pdq, quality: entry.pdqQuality.map(String.init), md5: entry.md5, sha256: entry.sha256) {
            case let .failure(error):
                items.append(.rejected(line: line, reason: "entry \(entry.id): \(error.description)"))
            case let .success(signals) where signals.isEmpty:
                items.append(.rejected(line: line, reason: "entry \(entry.id) has no signal"))
            case let .success(signals):
                var extra = entry.extra ?? [:]
                if let external = entry.externalID { extra["remote_external_id"] = external }
                if let source = entry.source { extra["remote_source"] = source }
                let metadata = EntryMetadata(externalID: "vigil:\(page.bank):\(entry.id)", source: "vigil_remote:\(page.bank)", extra: extra)
                items.append(.entry(line: line, NewEntry(signals: signals, metadata: metadata,
                                                         disabledUntil: entry.disabledUntil.flatMap(Timestamp.parse), addedBy: addedBy)))
            }
        }
        for id in page.removed { items.append(.delete(line: items.count + 1, externalID: "vigil:\(page.bank):\(id)")) }
        self.items = items
    }

    package mutating func next() async throws -> ImportItem? {
        guard position < items.count else { return nil }
        defer { position += 1 }
        return items[position]
    }

    package var progress: Double? { items.isEmpty ? 1 : Double(position) / Double(items.count) }
}
