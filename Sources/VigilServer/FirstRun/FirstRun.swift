public import Access
public import Banks
import ContentHashing
public import Foundation
import ImageCodecs
public import Workflows

/// What `vigil serve` sets up on an empty data directory: an admin key (its secret shown once)
/// and a demo bank of benign images Vigil draws itself, so a newcomer sees a match at once.
public enum FirstRun {
    public struct Outcome: Sendable {
        /// The new admin key's secret, when one was created.
        public var adminSecret: String?
        public var demoBank: Bank?
        public var demoImages: [URL]
    }

    public static let demoBankName = "VIGIL_DEMO"

    public static func prepare(banks: BankService, keys: KeyService, dataDirectory: URL, demoBank: Bool = true) async throws -> Outcome {
        var outcome = Outcome(adminSecret: nil, demoBank: nil, demoImages: [])
        if try await keys.count() == 0 {
            outcome.adminSecret = try await keys.issue(role: .admin, label: "first-run admin").secret
        }
        // Only on a database nothing was ever written to (an empty change log): a demo bank an
        // operator deleted stays deleted.
        guard demoBank, try await banks.isPristine() else { return outcome }
        let folder = dataDirectory.appendingPathComponent("demo")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let bank: Bank
        do {
            bank = try await banks.createBank(NewBank(
                name: demoBankName, description: "Demo bank: patterns drawn by Vigil on first start (benign test content)",
                labels: ["demo"]))
        } catch BankError.alreadyExists {
            // Another replica, started at the same time on the same empty database, made it.
            return outcome
        }
        var entries: [NewEntry] = []
        for index in 0..<DemoImages.count {
            let jpeg = try DemoImages.jpeg(index)
            let url = folder.appendingPathComponent("demo-\(index + 1).jpg")
            try Data(jpeg).write(to: url)
            let signals = try ContentHasher().signals(of: jpeg)
            entries.append(NewEntry(
                signals: EntrySignals(pdq: signals.usablePDQ, pdqQuality: signals.quality, md5: signals.md5, sha256: signals.sha256),
                metadata: EntryMetadata(externalID: "demo-\(index + 1)", source: "vigil demo", note: "generated pattern \(index + 1)"),
                addedBy: "first-run"))
            outcome.demoImages.append(url)
        }
        try await banks.addEntries(entries, to: bank)
        outcome.demoBank = bank
        return outcome
    }
}

extension FirstRun {
    /// On the demo's first start, the ready workflow "Screen uploaded image", published, over the
    /// built-in banks (so `make run` shows a workflow working).
    public static func prepareWorkflows(_ workflows: WorkflowService, audit: any AuditLog, demo: Bool) async throws {
        guard demo else { return }
        // With its retroactive branch: a match found later opens a case for the account.
        for definition in [WorkflowLibrary.screenUploadedImage(), WorkflowLibrary.actOnRetroactiveMatch()] {
            guard try await workflows.find(named: definition.name) == nil else { continue }
            let workflow: Workflow
            do {
                workflow = try await workflows.create(definition)
            } catch WorkflowError.duplicateName {
                continue  // another replica starting at the same time made it (and publishes it)
            }
            _ = try await audit.recording(actor: "first-run", action: "workflow.publish", target: "workflow:\(workflow.id)", remote: nil,
                                          resultTarget: nil, outcome: nil, reason: { "\($0)" }) {
                try await workflows.publish(workflow.id, by: "first-run")
            }
        }
    }
}
