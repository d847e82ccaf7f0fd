import Banks
import Foundation
public import JSONValues
public import Lookup
import PDQ
public import SafeFetch
public import Workflows

/// `bank.add`: an image's signals (hashed from its URL, or given) into a bank. The entry's
/// external id is the step's idempotency key, and a bank keeps one entry per external id and
/// skips signals it holds already, so a retried or resumed step never adds a second entry.
public struct BankAddAction: WorkflowAction {
    public let key = "bank.add"
    let lookup: LookupService
    let fetcher: SafeURLFetcher

    public init(lookup: LookupService, fetcher: SafeURLFetcher) {
        self.lookup = lookup
        self.fetcher = fetcher
    }

    public func perform(_ call: ActionCall) async throws -> JSONValue {
        guard let name = call.text("bank") else { throw ActionFailure("bank.add needs a bank") }
        guard let bank = try await lookup.banks.findBank(named: name) else { throw ActionFailure("bank \"\(name)\" not found") }
        var signals = EntrySignals()
        if call.text("image_url") != nil || call.text("image") != nil {
            let hashed = try await lookup.hash(try await StepImage.bytes(call, fetcher: fetcher))
            signals = EntrySignals(pdq: hashed.usablePDQ, pdqQuality: hashed.quality, md5: hashed.md5, sha256: hashed.sha256)
        } else {
            if let text = call.text("pdq") {
                guard let pdq = PDQHash(hex: text) else { throw ActionFailure("pdq is not 64 hex digits") }
                signals.pdq = pdq
            }
            signals.md5 = try Self.hex(call.text("md5"), digits: 32, name: "md5")
            signals.sha256 = try Self.hex(call.text("sha256"), digits: 64, name: "sha256")
        }
        guard signals.pdq != nil || signals.md5 != nil || signals.sha256 != nil else {
            throw ActionFailure("bank.add was given no signal (the templates rendered none)")
        }
        let entry = NewEntry(signals: signals,
                             metadata: EntryMetadata(externalID: call.idempotencyKey, source: "workflow \(call.workflowID)", note: call.text("note")),
                             addedBy: "workflow run \(call.runID)")
        let outcome: BatchOutcome
        do {
            outcome = try await lookup.banks.addEntries([entry], to: bank)
        } catch let error as BankError {
            // No retry adds to a bank whose deletion has begun.
            if case .beingDeleted = error { throw ActionFailure(error.description) }
            throw error
        }
        return .object(["added": .bool(outcome.insertedCount > 0), "bank": .string(bank.name)])
    }

    static func hex(_ text: String?, digits: Int, name: String) throws -> String? {
        guard let text else { return nil }
        let lower = text.lowercased()
        guard lower.count == digits, lower.allSatisfy(\.isHexDigit) else { throw ActionFailure("\(name) is not \(digits) hex digits") }
        return lower
    }
}
