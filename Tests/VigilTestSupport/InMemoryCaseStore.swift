public import Cases
public import Events
public import Foundation
import JSONValues

/// The case domain's storage port in memory, with the SQL store's rules (a change that changes
/// nothing writes nothing; every write bumps the version; an origin key or a reference id opens
/// one case or account), so a rule of cases and accounts is tested in milliseconds. The events
/// each change commits are kept in `events`, in order.
public actor InMemoryCaseStore: CaseStore {
    private var cases: [Int64: Case] = [:]
    private var originKeys: [String: Int64] = [:]
    private var evidence: [Int64: [Evidence]] = [:]
    private var timelines: [Int64: [HistoryEntry]] = [:]
    private var accounts: [Int64: Account] = [:]
    private var accountHistory: [Int64: [HistoryEntry]] = [:]
    private var templates: [String: CaseTemplate] = [:]
    private var slas: [String: QueueSLA] = [:]
    private var nextID: Int64 = 0
    public private(set) var events: [NewEvent] = []

    public init() {}

    private func id() -> Int64 {
        nextID += 1
        return nextID
    }

    private func lines(_ history: [NewHistoryEntry], at time: Date) -> [HistoryEntry] {
        history.map { HistoryEntry(id: id(), at: time, actor: $0.actor, kind: $0.kind, detail: $0.detail) }
    }

    private func keep(_ new: [NewEvidence], caseID: Int64, actor: String, at time: Date) {
        evidence[caseID, default: []] += new.map {
            Evidence(id: id(), caseID: caseID, match: $0.match, signals: $0.signals, mediaSHA256: $0.mediaSHA256, fileName: $0.fileName,
                     sourceURL: $0.sourceURL, addedBy: actor, addedAt: time)
        }
    }

    public func createCase(_ new: NewCase, template: CaseTemplate, actor: String, at time: Date, history: [NewHistoryEntry],
                           events: @escaping @Sendable (Case) -> [NewEvent]) async throws -> (case: Case, created: Bool) {
        if let key = new.originKey, let existing = originKeys[key], let found = cases[existing] { return (found, false) }
        let caseID = id()
        let opened = Case(id: caseID, title: new.title, template: template.name, status: template.initialStatus, isFinal: false,
                          priority: new.priority, queue: new.queue, assignee: new.assignee, fields: new.fields, accountIDs: new.accountIDs,
                          evidenceCount: new.evidence.count, version: 1, createdBy: actor, createdAt: time, updatedAt: time, resolvedAt: nil)
        cases[caseID] = opened
        if let key = new.originKey { originKeys[key] = caseID }
        keep(new.evidence, caseID: caseID, actor: actor, at: time)
        timelines[caseID] = lines([NewHistoryEntry(actor: actor, kind: "created", detail: ["status": .string(template.initialStatus)])] + history, at: time)
        self.events += events(opened)
        return (opened, true)
    }

    public func updateCase(id caseID: Int64, at time: Date, _ change: @escaping @Sendable (Case) throws -> CaseChange) async throws -> Case {
        guard let current = cases[caseID] else { throw CaseError.notFound("case \(caseID)") }
        let decided = try change(current)
        guard decided.updated != current || !decided.history.isEmpty || !decided.evidence.isEmpty else { return current }
        var saved = decided.updated
        saved.version = current.version + 1
        saved.updatedAt = time
        saved.resolvedAt = saved.isFinal ? (current.isFinal ? current.resolvedAt : time) : nil
        saved.accountIDs = current.accountIDs + decided.linkAccounts.filter { !current.accountIDs.contains($0) }
        keep(decided.evidence, caseID: caseID, actor: decided.history.first?.actor ?? "system", at: time)
        saved.evidenceCount = evidence[caseID]?.count ?? 0
        cases[caseID] = saved
        timelines[caseID, default: []] += lines(decided.history, at: time)
        events += decided.events
        return saved
    }

    public func `case`(id caseID: Int64) async throws -> Case? { cases[caseID] }

    public func caseDetail(id caseID: Int64) async throws -> CaseDetail? {
        cases[caseID].map { CaseDetail(case: $0, evidence: evidence[caseID] ?? [], timeline: timelines[caseID] ?? []) }
    }

    public func cases(_ filter: CaseFilter) async throws -> [Case] {
        let found = cases.values.filter { item in
            (filter.statuses.map { $0.isEmpty || $0.contains(item.status) } ?? true)
                && (filter.priorities.map { $0.isEmpty || $0.contains(item.priority) } ?? true)
                && (filter.assignee.map { item.assignee == $0 } ?? true)
                && (!filter.unassigned || item.assignee == nil)
                && (filter.queue.map { item.queue == $0 } ?? true)
                && (!filter.openOnly || !item.isFinal)
                && (filter.createdBefore.map { item.createdAt < $0 } ?? true)
                && (filter.createdAfter.map { item.createdAt >= $0 } ?? true)
                && (filter.accountID.map { item.accountIDs.contains($0) } ?? true)
                && (filter.search.map { matches(item, $0) } ?? true)
                && (filter.before.map { item.id < $0 } ?? true)
        }
        let sorted: [Case] = switch filter.sort {
        case .newest: found.sorted { $0.id > $1.id }
        case .oldest: found.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        case .priority: found.sorted { $0.priority != $1.priority ? $0.priority > $1.priority : ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        case .updated: found.sorted { ($0.updatedAt, $0.id) > ($1.updatedAt, $1.id) }
        }
        return Array(sorted.dropFirst(filter.offset).prefix(max(1, min(filter.limit, 1000))))
    }

    private func matches(_ item: Case, _ search: CaseSearch) -> Bool {
        if CaseSearch.key(item.title).contains(search.text) { return true }
        if item.accountIDs.contains(where: { accounts[$0].map { CaseSearch.key($0.referenceID).contains(search.text) } == true }) { return true }
        if let prefix = search.hashPrefix, (evidence[item.id] ?? []).contains(where: { found in
            [found.signals.pdq, found.signals.md5, found.signals.sha256, found.mediaSHA256].contains { $0?.lowercased().hasPrefix(prefix) == true }
        }) { return true }
        return search.caseID == item.id
    }

    public func queueCounts(at now: Date) async throws -> [QueueCount] {
        Dictionary(grouping: cases.values.filter { !$0.isFinal }, by: \.queue).map { queue, open in
            let sla = slas[queue]
            return QueueCount(queue: queue, open: open.count, unassigned: open.filter { $0.assignee == nil }.count,
                              oldestOpenAt: open.map(\.createdAt).min(), sla: sla,
                              breaches: sla.map { sla in open.filter { sla.isBreached(opened: $0.createdAt, now: now) }.count } ?? 0)
        }.sorted { $0.queue < $1.queue }
    }

    public func queueFacts(caseIDs: [Int64]) async throws -> [Int64: CaseQueueFacts] {
        var facts: [Int64: CaseQueueFacts] = [:]
        for id in caseIDs {
            guard let item = cases[id] else { continue }
            let references = item.accountIDs.compactMap { accounts[$0]?.referenceID }.sorted()
            let closest = CaseQueueFacts.closest((evidence[id] ?? []).map(\.match))
            if !references.isEmpty || closest != nil { facts[id] = CaseQueueFacts(accountReferences: references, closestMatch: closest) }
        }
        return facts
    }

    public func queueSLAs() async throws -> [QueueSLA] { slas.values.sorted { $0.queue < $1.queue } }

    public func saveQueueSLA(queue: String, minutes: Int?, at time: Date) async throws {
        slas[queue] = try minutes.map { try QueueSLA(queue: queue, minutes: $0) }
    }

    public func template(named name: String) async throws -> CaseTemplate? { templates[name] }
    public func templates() async throws -> [CaseTemplate] { templates.values.sorted { $0.name < $1.name } }
    public func saveTemplate(_ template: CaseTemplate, at time: Date) async throws { templates[template.name] = template }

    public func upsertAccount(_ new: NewAccount, status: String, actor: String, at time: Date,
                              events: @escaping @Sendable (Account) -> [NewEvent]) async throws -> (account: Account, created: Bool) {
        if let existing = accounts.values.first(where: { $0.referenceID == new.referenceID }) { return (existing, false) }
        let account = Account(id: id(), referenceID: new.referenceID, screenName: new.screenName, email: new.email, status: status,
                              tags: new.tags, blockReason: nil, version: 1, createdAt: time, updatedAt: time)
        accounts[account.id] = account
        accountHistory[account.id] = lines([NewHistoryEntry(actor: actor, kind: "created", detail: ["status": .string(status)])], at: time)
        self.events += events(account)
        return (account, true)
    }

    public func updateAccount(id accountID: Int64, at time: Date, _ change: @escaping @Sendable (Account) throws -> AccountChange) async throws -> Account {
        guard let current = accounts[accountID] else { throw CaseError.notFound("account \(accountID)") }
        let decided = try change(current)
        guard decided.updated != current || !decided.history.isEmpty else { return current }
        var saved = decided.updated
        saved.version = current.version + 1
        saved.updatedAt = time
        accounts[accountID] = saved
        accountHistory[accountID, default: []] += lines(decided.history, at: time)
        events += decided.events
        return saved
    }

    public func accountDetail(id accountID: Int64) async throws -> AccountDetail? {
        accounts[accountID].map { account in
            AccountDetail(account: account, history: accountHistory[accountID] ?? [],
                          caseIDs: cases.values.filter { $0.accountIDs.contains(accountID) }.map(\.id).sorted())
        }
    }

    public func account(reference: String) async throws -> Account? { accounts.values.first { $0.referenceID == reference } }

    public func accounts(_ filter: AccountFilter) async throws -> [Account] {
        let search = filter.search?.lowercased() ?? ""
        return Array(accounts.values.filter { account in
            (filter.status.map { account.status == $0 } ?? true)
                && (filter.tag.map { account.tags.contains($0) } ?? true)
                && (search.isEmpty || [account.referenceID, account.screenName, account.email].contains { $0?.lowercased().hasPrefix(search) == true })
                && (filter.before.map { account.id < $0 } ?? true)
        }.sorted { $0.id > $1.id }.prefix(max(1, min(filter.limit, 1000))))
    }
}
