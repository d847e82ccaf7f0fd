import Banks
import Foundation
import SQLKit

/// Decides what an import row with an external id does to the entry already stored under that id,
/// so that re-importing the same list changes nothing: same signals → the stored entry stays
/// (same id, note and snooze), its source and extra metadata updated in place if they changed;
/// other signals → the stored entry is replaced.
enum ExternalIDReconciler {
    struct Outcome {
        /// Rows to insert: those without an external id, and those whose id is new or replaces.
        var insert: [EntryBinds]
        /// External ids whose stored entries are replaced by a row with other signals.
        var replacing: [String]
        /// Stored entries whose metadata was updated in place.
        var updated: Int
    }

    struct Stored {
        let id: Int64
        let pdqHex: String?
        let md5: String?
        let sha256: String?
        let metadata: StoredMetadata
    }

    static func reconcile(_ sql: any SQLDatabase, bankID: Int64, rows: [EntryBinds], at ms: Int64) async throws -> Outcome {
        // Within a batch, the last record for an external id is the one that counts.
        var lastIndex: [String: Int] = [:]
        for (i, row) in rows.enumerated() { if let id = row.externalID { lastIndex[id] = i } }
        guard !lastIndex.isEmpty else { return Outcome(insert: rows, replacing: [], updated: 0) }

        let stored = try await storedEntries(sql, bankID: bankID, externalIDs: Array(lastIndex.keys))
        var outcome = Outcome(insert: [], replacing: [], updated: 0)
        for (i, row) in rows.enumerated() {
            guard let externalID = row.externalID else { outcome.insert.append(row); continue }
            guard lastIndex[externalID] == i else { continue }
            guard let existing = stored[externalID] else { outcome.insert.append(row); continue }
            guard let same = existing.first(where: { $0.pdqHex == row.pdqHex && $0.md5 == row.md5 && $0.sha256 == row.sha256 }),
                  existing.count == 1 else {
                outcome.replacing.append(externalID)
                outcome.insert.append(row)
                continue
            }
            let incoming = try JSONCoding.decode(StoredMetadata.self, from: row.metadata)
            guard incoming.source != same.metadata.source || (incoming.extra ?? [:]) != (same.metadata.extra ?? [:]) else { continue }
            var merged = same.metadata
            merged.source = incoming.source
            merged.extra = incoming.extra
            try await sql.raw("UPDATE bank_entries SET metadata = \(bind: try JSONCoding.encode(merged)) WHERE id = \(bind: same.id)").run()
            try await ChangeLogSQL.append(sql, .entryUpdated, bankID: bankID, entryID: same.id)
            outcome.updated += 1
        }
        return outcome
    }

    static func storedEntries(_ sql: any SQLDatabase, bankID: Int64, externalIDs: [String]) async throws -> [String: [Stored]] {
        var out: [String: [Stored]] = [:]
        for start in stride(from: 0, to: externalIDs.count, by: 500) {
            var query = SQLQueryString("SELECT id, pdq, md5, sha256, external_id, metadata FROM bank_entries WHERE ")
            query.appendInterpolation(SQLBankStore.externalIDCondition(bankID: bankID, externalIDs[start..<min(start + 500, externalIDs.count)]))
            for row in try await sql.raw(query).all() {
                let externalID = try row.decode(column: "external_id", as: String.self)
                out[externalID, default: []].append(Stored(
                    id: try row.decode(column: "id", as: Int64.self),
                    pdqHex: try SQLBankStore.pdq(try row.decode(column: "pdq", as: Data?.self))?.hex,
                    md5: try row.decode(column: "md5", as: String?.self),
                    sha256: try row.decode(column: "sha256", as: String?.self),
                    metadata: try JSONCoding.decode(StoredMetadata.self, from: try row.decode(column: "metadata", as: String.self))))
            }
        }
        return out
    }
}
