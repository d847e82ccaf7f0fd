import Banks
import Cases
import Events
import Foundation
import JSONValues
import Logging
import Storage

/// Takes entries out of matching for the guards against overzealous entries — one matching too
/// many distinct images (`FloodGuard`), one reviewers keep finding false positive — and tells the
/// curators: the quarantine is stored (every replica stops matching the entry) and a
/// `bank.entry-quarantined` event goes to the dashboard, workflows and webhooks.
struct EntryQuarantines: Sendable {
    let banks: BankService
    let events: SQLEventStore
    let clock: @Sendable () -> Date
    let logger: Logger

    func quarantine(entryID: Int64, reason: String, actor: String, detail: [String: JSONValue] = [:]) async throws {
        let entry = try await banks.quarantine(entryID: entryID, reason: reason, at: clock())
        let bank = banks.index.bank(id: entry.bankID)?.name ?? "bank \(entry.bankID)"
        var payload: [String: JSONValue] = ["bank": .string(bank), "entry_id": .number(Double(entryID)), "reason": .string(reason)]
        payload.merge(detail) { first, _ in first }
        _ = try await events.append([NewEvent(type: EventTypes.entryQuarantined, subject: "entry:\(entryID)", actor: actor,
                                              payload: .object(payload))], at: clock())
        logger.warning("an entry was quarantined", metadata: ["entry": .stringConvertible(entryID), "bank": .string(bank), "reason": .string(reason)])
    }

    /// After a decision resolved matches as false positives: an entry of a match bank is
    /// quarantined once it has its limit (its bank's, or `limit`) of false positives more than it had
    /// when a curator last restored it. Counted from the stored verdicts each time, so a decision
    /// whose check failed, a lowered limit or two decisions at once are caught by the next one.
    func judged(_ entryIDs: [Int64], _ verdict: EntryVerdict, limit setting: Int) async {
        guard verdict == .falsePositive, !entryIDs.isEmpty else { return }
        do {
            let feedback = try await banks.feedback(entryIDs: entryIDs)
            for entry in try await banks.entries(ids: entryIDs) where entry.metadata.quarantine == nil {
                guard let bank = banks.index.bank(id: entry.bankID), bank.kind == .match else { continue }
                let limit = bank.guards.falsePositiveLimit ?? setting
                let falsePositives = feedback[entry.id]?.falsePositives ?? 0
                guard limit > 0, falsePositives - (entry.metadata.falsePositivesAtRestore ?? 0) >= limit else { continue }
                try await quarantine(entryID: entry.id, reason: "reviewers found \(falsePositives) of its matches false positives",
                                     actor: "system:false-positive-guard",
                                     detail: ["false_positives": .number(Double(falsePositives)), "limit": .number(Double(limit))])
            }
        } catch {
            // The decision stands; the entry keeps matching until the next false positive or a curator acts.
            logger.error("an entry reviewers found false positive could not be quarantined",
                         metadata: ["entries": .string(entryIDs.map(String.init).joined(separator: ",")),
                                    "error": .string(String(describing: error).prefix(300).description)])
        }
    }
}
