import Events
public import Foundation
import JSONValues

/// The rules of accounts: one per reference id, statuses from the configured set, blocking
/// that is reversible and always has a reason, and an event for every change.
public struct AccountService: Sendable {
    let store: any CaseStore
    public let statuses: AccountStatuses
    let clock: @Sendable () -> Date

    public init(store: any CaseStore, statuses: AccountStatuses = AccountStatuses(), clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.statuses = statuses
        self.clock = clock
    }

    /// The account with this reference id, created (active) when there is none.
    public func upsert(_ new: NewAccount, actor: String) async throws -> (account: Account, created: Bool) {
        let reference = new.referenceID.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reference.isEmpty, reference.count <= 256 else { throw CaseError.invalid("reference_id must be 1-256 characters") }
        var new = new
        new.referenceID = reference
        new.tags = try Self.clean(new.tags)
        return try await store.upsertAccount(new, status: AccountStatuses.active, actor: actor, at: clock()) { account in
            [account.event(EventTypes.accountCreated, actor: actor)]
        }
    }

    public func detail(_ id: Int64) async throws -> AccountDetail {
        guard let detail = try await store.accountDetail(id: id) else { throw CaseError.notFound("account \(id)") }
        return detail
    }

    public func find(reference: String) async throws -> Account? { try await store.account(reference: reference) }
    public func list(_ filter: AccountFilter) async throws -> [Account] { try await store.accounts(filter) }

    /// Changes the fields given. Blocking goes through `block` (it needs a reason).
    public func update(_ id: Int64, status: String? = nil, tags: [String]? = nil, addTags: [String] = [], screenName: String? = nil,
                       email: String? = nil, expectedVersion: Int? = nil, actor: String) async throws -> Account {
        if let status {
            guard statuses.contains(status) else { throw CaseError.invalid("status must be one of \(statuses.all.joined(separator: ", ")), not \(status)") }
            guard status != AccountStatuses.blocked else { throw CaseError.invalid("block an account with POST …/block and a reason, not by its status") }
        }
        let tags = try tags.map(Self.clean)
        let addTags = try Self.clean(addTags)
        return try await store.updateAccount(id: id, at: clock()) { current in
            try Self.check(expectedVersion, current)
            var updated = current
            var history: [NewHistoryEntry] = []
            var events: [NewEvent] = []
            if let status, status != current.status {
                guard !current.isBlocked else {
                    throw CaseError.accountConflict("account \(id) is blocked: unblock it (with a reason) before changing its status", current: current)
                }
                updated.status = status
                history.append(NewHistoryEntry(actor: actor, kind: "status", detail: ["from": .string(current.status), "to": .string(status)]))
            }
            var newTags = tags ?? current.tags
            for tag in addTags where !newTags.contains(tag) { newTags.append(tag) }
            if newTags != current.tags {
                updated.tags = newTags
                history.append(NewHistoryEntry(actor: actor, kind: "tags", detail: ["from": .array(current.tags.map(JSONValue.string)),
                                                                                   "to": .array(newTags.map(JSONValue.string))]))
            }
            if let screenName, screenName != current.screenName { updated.screenName = screenName }
            if let email, email != current.email { updated.email = email }
            if updated.screenName != current.screenName || updated.email != current.email {
                history.append(NewHistoryEntry(actor: actor, kind: "profile", detail: [:]))
            }
            guard !history.isEmpty else { return AccountChange(updated: current) }
            if updated.status != current.status {
                events.append(updated.event(EventTypes.accountStatusUpdated, actor: actor, ["previous_status": .string(current.status)]))
            } else {
                events.append(updated.event(EventTypes.accountUpdated, actor: actor))
            }
            return AccountChange(updated: updated, history: history, events: events)
        }
    }

    public func block(_ id: Int64, reason: String, expectedVersion: Int? = nil, actor: String) async throws -> Account {
        let reason = try Self.reason(reason)
        return try await store.updateAccount(id: id, at: clock()) { current in
            try Self.check(expectedVersion, current)
            guard !current.isBlocked else { throw CaseError.accountConflict("account \(id) is already blocked", current: current) }
            var updated = current
            updated.status = AccountStatuses.blocked
            updated.blockReason = reason
            return AccountChange(updated: updated,
                                 history: [NewHistoryEntry(actor: actor, kind: "blocked", detail: ["reason": .string(reason), "previous_status": .string(current.status)])],
                                 events: [updated.event(EventTypes.accountBlocked, actor: actor, ["previous_status": .string(current.status)]),
                                          updated.event(EventTypes.accountStatusUpdated, actor: actor, ["previous_status": .string(current.status)])])
        }
    }

    /// Reverses a block: back to `status` (active by default), with the reason recorded.
    public func unblock(_ id: Int64, reason: String, status: String = AccountStatuses.active, expectedVersion: Int? = nil,
                        actor: String) async throws -> Account {
        let reason = try Self.reason(reason)
        guard statuses.contains(status), status != AccountStatuses.blocked else {
            throw CaseError.invalid("status must be one of \(statuses.all.filter { $0 != AccountStatuses.blocked }.joined(separator: ", "))")
        }
        return try await store.updateAccount(id: id, at: clock()) { current in
            try Self.check(expectedVersion, current)
            guard current.isBlocked else { throw CaseError.accountConflict("account \(id) is not blocked", current: current) }
            var updated = current
            updated.status = status
            updated.blockReason = nil
            return AccountChange(updated: updated,
                                 history: [NewHistoryEntry(actor: actor, kind: "unblocked", detail: ["reason": .string(reason), "status": .string(status)])],
                                 events: [updated.event(EventTypes.accountUnblocked, actor: actor, ["reason": .string(reason)]),
                                          updated.event(EventTypes.accountStatusUpdated, actor: actor, ["previous_status": .string(current.status)])])
        }
    }

    static func check(_ expected: Int?, _ current: Account) throws {
        if let expected, expected != current.version {
            throw CaseError.accountConflict("account \(current.id) changed since version \(expected): it is at version \(current.version)", current: current)
        }
    }

    static func reason(_ text: String) throws -> String {
        let reason = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty, reason.count <= 2000 else { throw CaseError.invalid("a reason of 1-2000 characters is required") }
        return reason
    }

    static func clean(_ tags: [String]) throws -> [String] {
        var seen: [String] = []
        for tag in tags.map({ $0.trimmingCharacters(in: .whitespaces) }) {
            guard !tag.isEmpty, tag.count <= 64 else { throw CaseError.invalid("a tag must be 1-64 characters") }
            if !seen.contains(tag) { seen.append(tag) }
        }
        return seen
    }
}
