public import Foundation

/// One line of the audit log: who did what to what, when, from where, and how it ended. Never a
/// secret: targets are ids and names, outcomes are words.
public struct AuditEvent: Sendable, Equatable {
    /// Assigned by the log, in the order events were appended.
    public var id: Int64?
    public let at: Date
    /// `key:<id>` for an API key (with its label), `cli` for the command line.
    public let actor: String
    /// `credential.create`, `key.revoke`, `bank.delete`, …
    public let action: String
    /// `credential:<id>`, `bank:<name>`, `key:<id>`.
    public let target: String
    /// `ok`, or `failed: ` and why.
    public let outcome: String
    /// The client's address, when the action came over HTTP.
    public let remote: String?

    public init(id: Int64? = nil, at: Date = Date(), actor: String, action: String, target: String, outcome: String, remote: String? = nil) {
        self.id = id
        self.at = at
        self.actor = actor
        self.action = action
        self.target = target
        self.outcome = outcome
        self.remote = remote
    }
}

/// The append-only audit log.
public protocol AuditLog: Sendable {
    func append(_ event: AuditEvent) async throws
    /// Events after `afterID` (oldest first), at most `limit`, those matching every filter given.
    func events(after afterID: Int64, limit: Int, filter: AuditFilter) async throws -> [AuditEvent]
    /// The latest events before `beforeID` (all when nil), newest first, at most `limit`: what an
    /// admin reading the log wants to see first.
    func latestEvents(before beforeID: Int64?, limit: Int, filter: AuditFilter) async throws -> [AuditEvent]
}

public struct AuditFilter: Sendable, Equatable {
    public var actor: String?
    public var action: String?
    public var target: String?

    public init(actor: String? = nil, action: String? = nil, target: String? = nil) {
        self.actor = actor
        self.action = action
        self.target = target
    }
}

extension AuditLog {
    /// Runs an action and records it with its outcome: `outcome` words a result that is itself a
    /// failure (a credential test that found the key refused), `resultTarget` names a target that
    /// exists only once the action ran (a created credential). A failure is recorded with
    /// `reason` and rethrown. A log that cannot be written fails the action: nothing that must be
    /// recorded goes unrecorded.
    public func recording<T>(actor: String, action: String, target: String, remote: String? = nil,
                             resultTarget: ((T) -> String)? = nil, outcome: ((T) -> String)? = nil,
                             reason: (any Error) -> String = { String(describing: $0) },
                             _ body: () async throws -> T) async throws -> T {
        do {
            let result = try await body()
            try await append(AuditEvent(actor: actor, action: action, target: resultTarget?(result) ?? target,
                                        outcome: outcome?(result) ?? "ok", remote: remote))
            return result
        } catch {
            try? await append(AuditEvent(actor: actor, action: action, target: target, outcome: "failed: \(reason(error))", remote: remote))
            throw error
        }
    }
}
