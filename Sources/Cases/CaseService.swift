import Basics
public import Banks
import Events
public import Foundation
import JSONValues
import PDQ
import Synchronization

/// The rules of cases: opening with a template's required fields, decisions that follow the
/// template's statuses, the version check that turns a second concurrent decision into a
/// conflict, and the bank additions a decision asks for. No SQL: `CaseStore` writes.
public struct CaseService: Sendable {
    let store: any CaseStore
    let banks: BankService
    /// Sets how long a decided case's evidence files are kept.
    public let media: EvidenceMediaService?
    let clock: @Sendable () -> Date
    /// Told, after a decision is committed, which bank entries it judged and how (the guard that
    /// quarantines an entry reviewers keep finding false positive).
    let judged: EntriesJudged?

    /// The entries a committed decision judged, and its verdict on them.
    public typealias EntriesJudged = @Sendable (_ entryIDs: [Int64], _ verdict: EntryVerdict) async -> Void

    public init(store: any CaseStore, banks: BankService, media: EvidenceMediaService? = nil, clock: @escaping @Sendable () -> Date = { Date() },
                judged: EntriesJudged? = nil) {
        self.store = store
        self.banks = banks
        self.media = media
        self.clock = clock
        self.judged = judged
    }

    // MARK: templates

    public func template(_ name: String) async throws -> CaseTemplate {
        if name == CaseTemplate.standard.name, try await store.template(named: name) == nil { return .standard }
        guard let template = try await store.template(named: name) else { throw CaseError.notFound("case template \(name)") }
        return template
    }

    public func templates() async throws -> [CaseTemplate] {
        let stored = try await store.templates()
        return stored.contains { $0.name == CaseTemplate.standard.name } ? stored : [.standard] + stored
    }

    public func saveTemplate(_ template: CaseTemplate) async throws -> CaseTemplate {
        let problems = template.problems()
        guard problems.isEmpty else { throw CaseError.invalid("the template is not valid: " + problems.joined(separator: "; ")) }
        try await store.saveTemplate(template, at: clock())
        return template
    }

    // MARK: cases

    public func open(_ new: NewCase, actor: String) async throws -> (case: Case, created: Bool) {
        let template = try await template(new.template)
        let title = new.title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !title.isEmpty, title.count <= 500 else { throw CaseError.invalid("title must be 1-500 characters") }
        guard !new.queue.isEmpty, new.queue.count <= 64 else { throw CaseError.invalid("queue must be 1-64 characters") }
        let missing = template.requiredFields.filter { new.fields[$0] == nil || new.fields[$0] == .null }
        guard missing.isEmpty else {
            throw CaseError.invalid("template \(template.name) requires the field(s) \(missing.joined(separator: ", "))")
        }
        try Self.check(new.evidence)
        var cleaned = new
        cleaned.title = title
        try await requireAccounts(new.accountIDs)
        let evidence = JSONValue.array(new.evidence.map(\.summary))
        // The timeline tells the whole story from its first line: what the case opened with, as
        // later additions are told (a workflow's case opens with its evidence and account).
        let history = Self.evidenceLines(new.evidence, actor: actor) + Self.accountLines(new.accountIDs, actor: actor)
        return try await store.createCase(cleaned, template: template, actor: actor, at: clock(), history: history) { opened in
            [opened.event(EventTypes.caseCreated, actor: actor, ["evidence": evidence])]
        }
    }

    /// An account a case links, or nil if it is gone.
    public func account(_ id: Int64) async throws -> Account? { try await store.accountDetail(id: id)?.account }

    public func detail(_ id: Int64) async throws -> CaseDetail {
        guard let detail = try await store.caseDetail(id: id) else { throw CaseError.notFound("case \(id)") }
        return detail
    }

    public func list(_ filter: CaseFilter) async throws -> [Case] { try await store.cases(filter) }
    /// Hands `assignee` the next case of `queue` (any queue: nil) by `rotation`, assigned to them
    /// on the version read: another reviewer taking the same case first is not an error, the
    /// next one is taken. Nil when nothing waits; `lighter` when a severe run was broken.
    public func takeNext(assignee: String, actor: String, queue: String?, rotation: CaseRotation = CaseRotation()) async throws
        -> (case: Case, lighter: Bool)? {
        for _ in 0..<5 {
            let waiting = try await store.cases(CaseFilter(unassigned: true, queue: queue, openOnly: true, sort: .priority, limit: 200))
            let recent = try await store.cases(CaseFilter(assignee: assignee, sort: .updated, limit: rotation.severeRun))
            guard let chosen = rotation.next(from: waiting, recent: recent) else { return nil }
            do {
                let taken = try await decide(chosen.case.id, DecisionRequest(decision: .assign(assignee), expectedVersion: chosen.case.version,
                                                                              note: chosen.lighter ? "taken from the queue: a lighter case after a run of severe ones"
                                                                                                   : "taken from the queue", actor: actor))
                return (taken, chosen.lighter)
            } catch CaseError.conflict {
                continue
            }
        }
        throw CaseError.invalid("the queue kept changing while a case was being taken: try again")
    }

    /// The service's time: what a queue's waits and SLA breaches are measured against.
    public var now: Date { clock() }
    public func queueCounts() async throws -> [QueueCount] { try await store.queueCounts(at: clock()) }
    /// Every queue with open cases or an SLA target: its counts, its target and its breaches.
    public func queueHealth() async throws -> [QueueCount] {
        let counts = try await queueCounts()
        let idle = try await store.queueSLAs().filter { sla in !counts.contains { $0.queue == sla.queue } }
            .map { QueueCount(queue: $0.queue, open: 0, unassigned: 0, oldestOpenAt: nil, sla: $0) }
        return (counts + idle).sorted { $0.queue < $1.queue }
    }
    public func queueFacts(_ cases: [Case]) async throws -> [Int64: CaseQueueFacts] {
        cases.isEmpty ? [:] : try await store.queueFacts(caseIDs: cases.map(\.id))
    }
    public func queueSLAs() async throws -> [QueueSLA] { try await store.queueSLAs() }
    /// Sets (or with nil removes) a queue's SLA target; a target out of range is refused.
    public func setQueueSLA(queue: String, minutes: Int?) async throws -> QueueSLA? {
        try QueueSLA.checkQueueName(queue)
        let sla = try minutes.map { try QueueSLA(queue: queue, minutes: $0) }
        try await store.saveQueueSLA(queue: queue, minutes: sla?.minutes, at: clock())
        return sla
    }

    /// Applies a decision. A decision on a version that is no longer current, or a resolution
    /// of a case already resolved, is a conflict that carries the current case.
    /// A reviewer opened the case: a case still in its template's initial status moves to its
    /// review status, so the queue shows it is being looked at. Another change that came first
    /// wins (the case is left as that change made it).
    public func startReview(_ caseID: Int64, actor: String) async throws -> Case {
        let current = try await detail(caseID).case
        let template = try await templateOf(caseID)
        guard current.status == template.initialStatus, let review = template.reviewStatus else { return current }
        do {
            return try await decide(caseID, DecisionRequest(decision: .setStatus(review), expectedVersion: current.version,
                                                            note: "opened by a reviewer", actor: actor))
        } catch let CaseError.conflict(_, now) {
            return now
        }
    }

    public func decide(_ caseID: Int64, _ request: DecisionRequest) async throws -> Case {
        let template = try await templateOf(caseID)
        let bankToAdd = try await targetBank(of: request.decision)
        if case let .setStatus(status) = request.decision {
            guard let kind = template.kind(of: status) else {
                throw CaseError.invalid("\(status) is not a status of template \(template.name) (\(template.statuses.map(\.name).joined(separator: ", ")))")
            }
            guard kind != .initial else { throw CaseError.invalid("a case cannot be moved back to its initial status \(status)") }
        }
        let note = request.note
        let verdict = Mutex<EntryVerdict?>(nil)
        let decided = try await store.updateCase(id: caseID, at: clock()) { current in
            if let expected = request.expectedVersion, expected != current.version {
                throw CaseError.conflict("case \(caseID) changed since version \(expected): it is at version \(current.version), status \(current.status)",
                                         current: current)
            }
            let change = try Self.apply(request.decision, note: note, to: current, template: template, actor: request.actor)
            verdict.withLock { $0 = change.verdict }
            return change
        }
        if let judged, let verdict = verdict.withLock({ $0 }), let detail = try await store.caseDetail(id: caseID) {
            await judged(Array(Set(detail.evidence.compactMap(\.match.entryID))).sorted(), verdict)
        }
        var result = decided
        if let bankToAdd { result = try await addSignals(of: caseID, to: bankToAdd, actor: request.actor) ?? result }
        if case .reopen = request.decision { result = try await removeEntriesAdded(by: caseID, actor: request.actor) ?? result }
        if decided.isFinal { try await media?.decided(decided, template: template) }
        return result
    }

    /// Whether the case is resolved as its template's false positive.
    public func isFalsePositive(_ decided: Case) async throws -> Bool {
        guard decided.isFinal else { return false }
        return decided.status == (try await template(decided.template)).falsePositiveStatus
    }

    /// A report of the case was filed with NCMEC: the timeline says so, and an unresolved case
    /// is resolved as confirmed (one already resolved keeps its status). Idempotent per report.
    public func markReported(_ caseID: Int64, reportID: Int64, ncmecReportID: Int64?, actor: String) async throws -> Case {
        let template = try await templateOf(caseID)
        let detail: JSONValue = ["report_id": .number(Double(reportID)), "ncmec_report_id": ncmecReportID.map { .number(Double($0)) } ?? .null]
        let marked = try await store.updateCase(id: caseID, at: clock()) { current in
            var updated = current
            var fields = current.fields
            var reported = fields["reported_to_ncmec"]?.array ?? []
            guard !reported.contains(detail) else { return CaseChange(updated: current) }
            reported.append(detail)
            fields["reported_to_ncmec"] = .array(reported)
            updated.fields = fields
            var history = [NewHistoryEntry(actor: actor, kind: "reported", detail: detail)]
            var events: [NewEvent] = []
            var verdict: EntryVerdict?
            if !current.isFinal {
                updated.status = template.confirmedStatus
                updated.isFinal = true
                verdict = .confirmed
                history.append(NewHistoryEntry(actor: actor, kind: "status", detail: ["from": .string(current.status), "to": .string(updated.status)]))
                events.append(updated.event(EventTypes.caseStatusUpdated, actor: actor, ["previous_status": .string(current.status), "decision": "reported"]))
            }
            return CaseChange(updated: updated, history: history, events: events, verdict: verdict)
        }
        if marked.isFinal { try await media?.decided(marked, template: template) }
        return marked
    }

    /// Writes a line on the case's timeline for something that happened elsewhere (a report
    /// withdrawn because the case is a false positive).
    public func note(_ caseID: Int64, _ line: NewHistoryEntry) async throws -> Case {
        try await store.updateCase(id: caseID, at: clock()) { current in CaseChange(updated: current, history: [line]) }
    }

    public func comment(_ caseID: Int64, text: String, actor: String) async throws -> Case {
        let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty, text.count <= 10_000 else { throw CaseError.invalid("a comment must be 1-10000 characters") }
        return try await store.updateCase(id: caseID, at: clock()) { current in
            CaseChange(updated: current, history: [NewHistoryEntry(actor: actor, kind: "comment", detail: ["text": .string(text)])],
                       events: [current.event(EventTypes.caseCommented, actor: actor, ["text": .string(text)])])
        }
    }

    public func addEvidence(_ caseID: Int64, _ evidence: [NewEvidence], actor: String) async throws -> Case {
        guard !evidence.isEmpty else { return try await detail(caseID).case }
        try Self.check(evidence)
        return try await store.updateCase(id: caseID, at: clock()) { current in
            var updated = current
            updated.evidenceCount += evidence.count
            return CaseChange(updated: updated,
                              history: Self.evidenceLines(evidence, actor: actor),
                              evidence: evidence,
                              events: [updated.event(EventTypes.caseEvidenceAdded, actor: actor, ["evidence": .array(evidence.map(\.summary))])])
        }
    }

    /// The timeline's line for each piece of evidence a case gains (on opening or later).
    static func evidenceLines(_ evidence: [NewEvidence], actor: String) -> [NewHistoryEntry] {
        evidence.map { NewHistoryEntry(actor: actor, kind: "evidence", detail: $0.summary) }
    }

    /// The timeline's line for each account a case comes to link (on opening or later).
    static func accountLines(_ accountIDs: [Int64], actor: String) -> [NewHistoryEntry] {
        accountIDs.map { NewHistoryEntry(actor: actor, kind: "account_linked", detail: ["account_id": .number(Double($0))]) }
    }

    public func linkAccounts(_ caseID: Int64, _ accountIDs: [Int64], actor: String) async throws -> Case {
        try await requireAccounts(accountIDs)
        return try await store.updateCase(id: caseID, at: clock()) { current in
            let new = accountIDs.filter { !current.accountIDs.contains($0) }
            guard !new.isEmpty else { return CaseChange(updated: current) }
            var updated = current
            updated.accountIDs += new
            return CaseChange(updated: updated,
                              history: Self.accountLines(new, actor: actor),
                              linkAccounts: new,
                              events: new.map { updated.event(EventTypes.caseAccountLinked, actor: actor, ["account_id": .number(Double($0))]) })
        }
    }

    // MARK: rules

    static func apply(_ decision: CaseDecision, note: String?, to current: Case, template: CaseTemplate, actor: String) throws -> CaseChange {
        var updated = current
        var detail: [String: JSONValue] = ["decision": .string(decision.name)]
        if let note { detail["note"] = .string(note) }
        var events: [NewEvent] = []
        func move(to status: String) throws {
            guard !current.isFinal else {
                throw CaseError.conflict("case \(current.id) is already resolved (\(current.status)); it was not changed", current: current)
            }
            guard status != current.status else { return }
            detail["from"] = .string(current.status)
            detail["to"] = .string(status)
            updated.status = status
            updated.isFinal = template.kind(of: status) == .final
            events.append(updated.event(EventTypes.caseStatusUpdated, actor: actor, ["previous_status": .string(current.status), "decision": .string(decision.name)]))
        }
        switch decision {
        case let .confirm(bank):
            try move(to: template.confirmedStatus)
            if let bank { detail["added_to_bank"] = .string(bank) }
        case let .falsePositive(bank):
            try move(to: template.falsePositiveStatus)
            if let bank { detail["added_to_allow_bank"] = .string(bank) }
        case .escalate:
            guard current.status != template.escalatedStatus else {
                throw CaseError.conflict("case \(current.id) is already escalated", current: current)
            }
            try move(to: template.escalatedStatus)
            events.append(updated.event(EventTypes.caseEscalated, actor: actor, note.map { ["note": .string($0)] } ?? [:]))
        case let .assign(assignee):
            guard !current.isFinal else { throw CaseError.conflict("case \(current.id) is resolved; it cannot be assigned", current: current) }
            updated.assignee = assignee
            detail["assignee"] = assignee.map(JSONValue.string) ?? .null
            events.append(updated.event(EventTypes.caseAssigned, actor: actor, ["previous_assignee": current.assignee.map(JSONValue.string) ?? .null]))
        case let .setStatus(status):
            try move(to: status)
        case .reopen:
            guard current.isFinal else { throw CaseError.conflict("case \(current.id) is not resolved (\(current.status)): there is nothing to reopen", current: current) }
            if let reported = current.fields["reported_to_ncmec"]?.array, !reported.isEmpty {
                throw CaseError.conflict("case \(current.id) was reported to NCMEC: a reported case stays resolved", current: current)
            }
            let initial = template.initialStatus
            detail["from"] = .string(current.status)
            detail["to"] = .string(initial)
            updated.status = initial
            updated.isFinal = false
            events.append(updated.event(EventTypes.caseStatusUpdated, actor: actor, ["previous_status": .string(current.status), "decision": .string(decision.name)]))
        case let .setPriority(priority):
            guard !current.isFinal else { throw CaseError.conflict("case \(current.id) is resolved; its priority is kept", current: current) }
            detail["from"] = .string(current.priority.rawValue)
            detail["to"] = .string(priority.rawValue)
            updated.priority = priority
            events.append(updated.event(EventTypes.caseUpdated, actor: actor, ["previous_priority": .string(current.priority.rawValue)]))
        }
        // Resolving it as confirmed or as a false positive is the reviewers' word on the entries it
        // matched — a person's: a workflow (or Vigil) resolving a case says nothing of the entries.
        var verdict: EntryVerdict?
        if !current.isFinal, updated.isFinal, !actor.hasPrefix("workflow:"), !actor.hasPrefix("system:") {
            verdict = updated.status == template.falsePositiveStatus ? .falsePositive : updated.status == template.confirmedStatus ? .confirmed : nil
        }
        return CaseChange(updated: updated, history: [NewHistoryEntry(actor: actor, kind: "decision", detail: .object(detail))], events: events,
                          verdict: verdict)
    }

    static func check(_ evidence: [NewEvidence]) throws {
        for item in evidence {
            guard !item.match.provider.isEmpty else { throw CaseError.invalid("evidence needs a provider (vigil, photodna, …)") }
            if let pdq = item.signals.pdq, PDQHash(hex: pdq) == nil { throw CaseError.invalid("evidence pdq \"\(pdq.prefix(80))\" is not 64 hex digits") }
            if let md5 = item.signals.md5, !isHex(md5, 32) { throw CaseError.invalid("evidence md5 must be 32 hex digits") }
            if let sha = item.signals.sha256, !isHex(sha, 64) { throw CaseError.invalid("evidence sha256 must be 64 hex digits") }
            if let sha = item.mediaSHA256, !isHex(sha, 64) { throw CaseError.invalid("evidence media_sha256 must be 64 hex digits") }
        }
    }

    static func isHex(_ text: String, _ length: Int) -> Bool { Hex.isDigits(text, count: length) }

    private func requireAccounts(_ ids: [Int64]) async throws {
        for id in ids where try await store.accountDetail(id: id) == nil { throw CaseError.notFound("account \(id)") }
    }

    private func templateOf(_ caseID: Int64) async throws -> CaseTemplate {
        guard let found = try await store.case(id: caseID) else { throw CaseError.notFound("case \(caseID)") }
        return try await template(found.template)
    }

    /// The bank a decision adds to, checked before anything is written: a confirmation adds to a
    /// match bank, a false positive to an allow bank.
    /// The bank a decision adds the case's signals to, checked: it exists and is of the kind
    /// the decision needs (a match bank to confirm, an allow bank for a false positive).
    public func targetBank(of decision: CaseDecision) async throws -> Bank? {
        let (name, kind): (String?, BankKind) = switch decision {
        case let .confirm(bank): (bank, .match)
        case let .falsePositive(bank): (bank, .allow)
        default: (nil, .match)
        }
        guard let name else { return nil }
        guard let bank = try await banks.findBank(named: name) else { throw CaseError.notFound("bank \(name)") }
        guard bank.kind == kind else {
            throw CaseError.invalid(kind == .allow ? "bank \(name) is not an allow bank: a false positive is added to an allow bank"
                                                   : "bank \(name) is an allow bank: a confirmed match is added to a match bank")
        }
        return bank
    }

    /// Adds the case's own evidence signals (the image's, never the entries it matched) to the bank,
    /// and writes on the case's timeline which entries it created, so a reopen can remove them. A
    /// signal a matched entry holds itself (a re-encode with the known image's very PDQ) is
    /// withheld: an allow entry holding it would hide the known image, and a lookup of that hash,
    /// everywhere; overriding a known entry is a curator's act on the bank, not a side effect of a
    /// case. The timeline says what was withheld and why.
    private func addSignals(of caseID: Int64, to bank: Bank, actor: String) async throws -> Case? {
        let evidence = try await detail(caseID).evidence
        var held: [(entry: BankEntry, bank: String)] = []
        // Only an allow entry can hide anything: a confirmation adds the image's signals whole.
        for id in bank.kind == .allow ? Set(evidence.filter { $0.match.provider == "vigil" }.compactMap(\.match.entryID)) : [] {
            if let entry = try await banks.findEntry(id: id) { held.append((entry, evidence.first { $0.match.entryID == id }?.match.bank ?? "?")) }
        }
        var seen = Set<EntrySignals>()
        var withheld: [String] = []
        let entries = evidence.compactMap { item -> NewEntry? in
            var signals = EntrySignals(pdq: item.signals.pdq.flatMap { PDQHash(hex: $0) }, md5: item.signals.md5, sha256: item.signals.sha256)
            for (entry, bankName) in held {
                let whose = "entry \(entry.id) of \(bankName)"
                if let pdq = signals.pdq, pdq == entry.signals.pdq { signals.pdq = nil; withheld.append("pdq \(pdq.hex): matched \(whose) holds it") }
                if let md5 = signals.md5, md5 == entry.signals.md5 { signals.md5 = nil; withheld.append("md5 \(md5): matched \(whose) holds it") }
                if let sha = signals.sha256, sha == entry.signals.sha256 { signals.sha256 = nil; withheld.append("sha256 \(sha): matched \(whose) holds it") }
            }
            guard !signals.isEmpty, seen.insert(signals).inserted else { return nil }
            return NewEntry(signals: signals, metadata: EntryMetadata(externalID: nil, source: "case:\(caseID)", note: "added by a case decision"),
                            addedBy: actor)
        }
        guard !entries.isEmpty || !withheld.isEmpty else { return nil }
        var ids: [Int64] = []
        var already = 0
        if !entries.isEmpty {
            let outcome = try await banks.addEntries(entries, to: bank)
            ids = outcome.inserted.map(\.entryID)
            already = outcome.duplicates
        }
        let detail: JSONValue = ["bank": .string(bank.name), "bank_kind": .string(bank.kind.rawValue),
                                 "entry_ids": .array(ids.map { .number(Double($0)) }), "already_there": .number(Double(already)),
                                 "withheld": .array(withheld.map(JSONValue.string))]
        return try await store.updateCase(id: caseID, at: clock()) { current in
            CaseChange(updated: current, history: [NewHistoryEntry(actor: actor, kind: Self.entriesAdded, detail: detail)])
        }
    }

    /// Removes the bank entries the case's resolution added (listed on its timeline since it was
    /// last reopened), and says so on the timeline.
    private func removeEntriesAdded(by caseID: Int64, actor: String) async throws -> Case? {
        let timeline = try await detail(caseID).timeline
        let sinceReopen = timeline.dropLast().reversed().prefix { line in
            !(line.kind == "decision" && line.detail.object?["decision"]?.string == CaseDecision.reopen.name)
        }
        let added = sinceReopen.filter { $0.kind == Self.entriesAdded }
        guard !added.isEmpty else { return nil }
        var removed: [JSONValue] = []
        var gone: [JSONValue] = []
        for line in added {
            for id in line.detail.object?["entry_ids"]?.array?.compactMap(\.integer) ?? [] {
                do {
                    _ = try await banks.removeEntry(id: Int64(id))
                    removed.append(.number(Double(id)))
                } catch BankError.notFound {
                    gone.append(.number(Double(id)))
                }
            }
        }
        let detail: JSONValue = ["entry_ids": .array(removed), "already_removed": .array(gone)]
        return try await store.updateCase(id: caseID, at: clock()) { current in
            CaseChange(updated: current, history: [NewHistoryEntry(actor: actor, kind: Self.entriesRemoved, detail: detail)])
        }
    }

    /// Timeline kinds of the bank entries a resolution added, and a reopen removed.
    public static let entriesAdded = "bank_entries_added"
    public static let entriesRemoved = "bank_entries_removed"
}
