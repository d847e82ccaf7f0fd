public import Access

/// Writes a route's administrative action to the audit log with its outcome: who (the key, or
/// the proxy's role), what, on what, from where. A failure is recorded and rethrown. An audit
/// log that cannot be written fails the request: an action must not go unrecorded.
public struct Auditor: Sendable {
    let log: any AuditLog

    public init(log: any AuditLog) {
        self.log = log
    }

    /// `resultTarget` names the target once it exists (a created credential's id). `outcome`
    /// words a result that is itself a failure (a credential test that found the key refused).
    func audited<T: Sendable>(_ context: VigilRequestContext, _ action: String, target: String,
                              resultTarget: ((T) -> String)? = nil, outcome: ((T) -> String)? = nil,
                              _ body: () async throws -> T) async throws -> T {
        try await log.recording(actor: context.actor, action: action, target: target, remote: context.remoteAddress?.value,
                                resultTarget: resultTarget, outcome: outcome,
                                reason: { APIError.from($0)?.message ?? "internal error" }, body)
    }
}
