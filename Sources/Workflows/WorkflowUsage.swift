import Foundation

/// What the published (live) workflows use: the credentials and banks their steps name, so that
/// deleting one of them is refused while a live workflow would fail without it.
public struct WorkflowUsage: Sendable {
    let store: any WorkflowStore

    public init(store: any WorkflowStore) { self.store = store }

    /// The live workflows whose steps name the credential, in words.
    public func users(ofCredential id: String) async throws -> [String] {
        try await liveSteps { $0.credential == id }
    }

    /// The live workflows whose steps name the bank (`bank`, or among `banks`). A bank named by a
    /// template (`{{ … }}`) is only known when a run renders it, so it cannot be counted here.
    public func users(ofBank name: String) async throws -> [String] {
        // Bank names are one whatever their case.
        let name = name.lowercased()
        return try await liveSteps { step in
            step.inputs?["bank"]?.string?.lowercased() == name || (step.inputs?["banks"]?.array ?? []).contains { $0.string?.lowercased() == name }
        }
    }

    private func liveSteps(_ uses: (StepDefinition) -> Bool) async throws -> [String] {
        var found: [String] = []
        for workflow in try await store.workflows() {
            guard let live = workflow.liveVersion, let version = try await store.version(workflowID: workflow.id, version: live) else { continue }
            let steps = version.definition.allSteps.filter(uses).map(\.id)
            if !steps.isEmpty {
                found.append("workflow \"\(workflow.name)\" (version \(live), step\(steps.count == 1 ? "" : "s") \(steps.joined(separator: ", ")))")
            }
        }
        return found
    }
}
