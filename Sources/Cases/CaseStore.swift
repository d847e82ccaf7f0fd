public import Events
public import Foundation

/// Storage of cases, accounts and templates. Every change is one transaction that writes the
/// row, its history lines and its events together (and the webhook deliveries of those events).
public protocol CaseStore: Sendable {
    /// Opens a case; with an `originKey` already used, returns that case (`created` false).
    /// `history`: the timeline's lines after "created" (the evidence and accounts it opened with).
    func createCase(_ new: NewCase, template: CaseTemplate, actor: String, at time: Date, history: [NewHistoryEntry],
                    events: @escaping @Sendable (Case) -> [NewEvent]) async throws -> (case: Case, created: Bool)
    /// Reads the case (locked against concurrent changes on PostgreSQL), lets `change` decide,
    /// and writes what it decided. `change` may throw to refuse (a conflict) without writing.
    func updateCase(id: Int64, at time: Date, _ change: @escaping @Sendable (Case) throws -> CaseChange) async throws -> Case
    /// The case alone, without its evidence and timeline.
    func `case`(id: Int64) async throws -> Case?
    func caseDetail(id: Int64) async throws -> CaseDetail?
    func cases(_ filter: CaseFilter) async throws -> [Case]
    /// Open cases per queue, with each queue's SLA and the open cases past it at `now`.
    func queueCounts(at now: Date) async throws -> [QueueCount]
    /// The accounts' reference ids and the closest match of each of these cases.
    func queueFacts(caseIDs: [Int64]) async throws -> [Int64: CaseQueueFacts]
    func queueSLAs() async throws -> [QueueSLA]
    /// Sets a queue's SLA target, or with `minutes` nil removes it.
    func saveQueueSLA(queue: String, minutes: Int?, at time: Date) async throws

    func template(named name: String) async throws -> CaseTemplate?
    func templates() async throws -> [CaseTemplate]
    func saveTemplate(_ template: CaseTemplate, at time: Date) async throws

    /// Creates the account, or returns the one with this reference id (`created` false).
    func upsertAccount(_ new: NewAccount, status: String, actor: String, at time: Date,
                       events: @escaping @Sendable (Account) -> [NewEvent]) async throws -> (account: Account, created: Bool)
    func updateAccount(id: Int64, at time: Date, _ change: @escaping @Sendable (Account) throws -> AccountChange) async throws -> Account
    func accountDetail(id: Int64) async throws -> AccountDetail?
    func account(reference: String) async throws -> Account?
    func accounts(_ filter: AccountFilter) async throws -> [Account]
}

/// What a change to a case writes: the case's new values (the store bumps its version), and
/// with them history lines, evidence, linked accounts and events.
public struct CaseChange: Sendable {
    public var updated: Case
    public var history: [NewHistoryEntry]
    public var evidence: [NewEvidence]
    public var linkAccounts: [Int64]
    public var events: [NewEvent]
    /// Set when the change resolves the case: the reviewers' verdict on the bank entries its
    /// evidence matched, counted for each of them with the change (feedback to the lists).
    public var verdict: EntryVerdict?

    public init(updated: Case, history: [NewHistoryEntry] = [], evidence: [NewEvidence] = [], linkAccounts: [Int64] = [], events: [NewEvent] = [],
                verdict: EntryVerdict? = nil) {
        self.updated = updated
        self.history = history
        self.evidence = evidence
        self.linkAccounts = linkAccounts
        self.events = events
        self.verdict = verdict
    }
}

/// A reviewer's verdict on what a case's evidence matched.
public enum EntryVerdict: String, Sendable {
    case confirmed
    case falsePositive = "false_positive"
}

public struct AccountChange: Sendable {
    public var updated: Account
    public var history: [NewHistoryEntry]
    public var events: [NewEvent]

    public init(updated: Account, history: [NewHistoryEntry] = [], events: [NewEvent] = []) {
        self.updated = updated
        self.history = history
        self.events = events
    }
}
