import Banks
import Cases
import Events
import Foundation
import JSONValues
import PDQ
import Testing
import Storage
import VigilTestSupport

/// The case and account services against an in-memory store: the rules a reviewer relies on
/// (one case per origin, decisions on the version seen, resolutions that add and undo bank
/// entries, blocks that say why), checked in milliseconds; and the same tests on SQLite, so the
/// in-memory store cannot drift from the SQL one it stands in for.
@Suite struct CaseServiceTests {
    enum Store: CaseIterable { case memory, sqlite, postgres }

    struct World {
        let store: any CaseStore
        let banks: BankService
        /// The types of the events the changes committed, in order.
        let events: @Sendable () async throws -> [String]
        let database: VigilDatabase?
        /// The SQLite file's directory, kept as long as the world.
        let scratch: TestDatabase?
        var cases: CaseService { CaseService(store: store, banks: banks) }
        var accounts: AccountService { AccountService(store: store) }

        init(_ kind: Store) async throws {
            switch kind {
            case .memory:
                let store = InMemoryCaseStore()
                self.store = store
                banks = BankService(store: InMemoryBankStore(), index: MatchIndex())
                events = { await store.events.map(\.type) }
                database = nil
                scratch = nil
            case .sqlite, .postgres:
                let scratch = try TestDatabase.make(kind == .sqlite ? .sqlite : .postgres)
                self.scratch = scratch
                let database = try await VigilDatabase.open(scratch.location)
                store = SQLCaseStore(database: database)
                banks = BankService(store: SQLBankStore(database: database), index: MatchIndex())
                try await banks.loadIndex()
                events = { try await SQLEventStore(database: database).events(after: 0, types: nil, limit: 1000).map(\.type) }
                self.database = database
            }
        }

        func close() async { await database?.close() }
    }

    static let pdq = String(repeating: "a5", count: 32)
    static func evidence(pdq: String = pdq) -> NewEvidence {
        NewEvidence(match: EvidenceMatch(provider: "vigil", bank: "KNOWN", distance: 4), signals: EvidenceSignals(pdq: pdq, md5: String(repeating: "0f", count: 16)))
    }

    @Test(arguments: Store.allCases)
    func aWorkflowRetriedOpensOneCaseWhoseTimelineTellsWhatItOpenedWith(store: Store) async throws {
        let world = try await World(store)
        defer { Task { await world.close() } }
        let account = try await world.accounts.upsert(NewAccount(referenceID: "user-42"), actor: "workflow:1").account
        let new = NewCase(title: "match on upload", accountIDs: [account.id], evidence: [Self.evidence()], originKey: "run:9:step:open")
        let first = try await world.cases.open(new, actor: "workflow:1")
        let retried = try await world.cases.open(new, actor: "workflow:1")
        #expect(first.created && !retried.created)
        #expect(retried.case.id == first.case.id)
        let detail = try await world.cases.detail(first.case.id)
        #expect(detail.timeline.map(\.kind) == ["created", "evidence", "account_linked"])
        #expect(detail.evidence.count == 1 && detail.case.evidenceCount == 1)
        #expect(try await world.accounts.detail(account.id).caseIDs == [first.case.id])
        #expect(try await world.events().filter { $0 == EventTypes.caseCreated }.count == 1)
    }

    @Test(arguments: Store.allCases)
    func aDecisionOnAVersionNoLongerCurrentIsRefusedAndChangesNothing(store: Store) async throws {
        let world = try await World(store)
        defer { Task { await world.close() } }
        let opened = try await world.cases.open(NewCase(title: "t", evidence: [Self.evidence()]), actor: "key:1").case
        _ = try await world.cases.comment(opened.id, text: "looking", actor: "user:ana")
        do {
            _ = try await world.cases.decide(opened.id, DecisionRequest(decision: .confirm(addToBank: nil), expectedVersion: opened.version, actor: "user:bo"))
            Issue.record("a decision on version \(opened.version) was accepted after the case moved on")
        } catch let CaseError.conflict(message, current) {
            #expect(message.contains("changed since version 1"))
            #expect(current.version == 2 && current.status == "open")
        }
        let detail = try await world.cases.detail(opened.id)
        #expect(detail.case.status == "open" && detail.case.version == 2)
        #expect(!detail.timeline.contains { $0.kind == "decision" })
    }

    @Test(arguments: Store.allCases)
    func aResolvedCaseRefusesASecondResolution(store: Store) async throws {
        let world = try await World(store)
        defer { Task { await world.close() } }
        let opened = try await world.cases.open(NewCase(title: "t"), actor: "key:1").case
        let resolved = try await world.cases.decide(opened.id, DecisionRequest(decision: .confirm(addToBank: nil), expectedVersion: 1, actor: "user:ana"))
        #expect(resolved.isFinal && resolved.resolvedAt != nil)
        await #expect(throws: CaseError.self) {
            try await world.cases.decide(opened.id, DecisionRequest(decision: .falsePositive(addToAllowBank: nil), actor: "workflow:2"))
        }
        #expect(try await world.cases.detail(opened.id).case.status == resolved.status)
    }

    @Test(arguments: Store.allCases)
    func aConfirmationAddsTheEvidenceToTheBankAndReopeningTakesItBack(store: Store) async throws {
        let world = try await World(store)
        defer { Task { await world.close() } }
        let bank = try await world.banks.createBank(NewBank(name: "CONFIRMED"))
        let opened = try await world.cases.open(NewCase(title: "t", evidence: [Self.evidence(), Self.evidence()]), actor: "key:1").case
        _ = try await world.cases.decide(opened.id, DecisionRequest(decision: .confirm(addToBank: "confirmed"), expectedVersion: 1, actor: "user:ana"))
        // Two pieces of evidence with the same signals make one entry.
        #expect(try await world.banks.entryCount(of: bank) == 1)
        let added = try #require(try await world.cases.detail(opened.id).timeline.last)
        #expect(added.kind == CaseService.entriesAdded)
        #expect(added.detail.object?["bank"] == "CONFIRMED")

        let current = try await world.cases.detail(opened.id).case
        let reopened = try await world.cases.decide(opened.id, DecisionRequest(decision: .reopen, expectedVersion: current.version, actor: "user:bo"))
        #expect(!reopened.isFinal && reopened.status == "open" && reopened.resolvedAt == nil)
        #expect(try await world.banks.entryCount(of: bank) == 0)
        #expect(try await world.cases.detail(opened.id).timeline.last?.kind == CaseService.entriesRemoved)
    }

    @Test(arguments: Store.allCases)
    func aFalsePositiveGoesToAnAllowBankOnlyAndNeverToAMatchBank(store: Store) async throws {
        let world = try await World(store)
        defer { Task { await world.close() } }
        _ = try await world.banks.createBank(NewBank(name: "KNOWN"))
        let opened = try await world.cases.open(NewCase(title: "t", evidence: [Self.evidence()]), actor: "key:1").case
        do {
            _ = try await world.cases.decide(opened.id, DecisionRequest(decision: .falsePositive(addToAllowBank: "KNOWN"), expectedVersion: 1, actor: "user:ana"))
            Issue.record("a false positive was added to a match bank")
        } catch let CaseError.invalid(message) {
            #expect(message.contains("not an allow bank"))
        }
        #expect(try await world.cases.detail(opened.id).case.isFinal == false)
    }

    @Test(arguments: Store.allCases)
    func evidenceWithMalformedSignalsIsRefusedWithTheFieldNamed(store: Store) async throws {
        let world = try await World(store)
        defer { Task { await world.close() } }
        do {
            _ = try await world.cases.open(NewCase(title: "t", evidence: [Self.evidence(pdq: "abc")]), actor: "key:1")
            Issue.record("a malformed PDQ was accepted")
        } catch let CaseError.invalid(message) {
            #expect(message.contains("evidence pdq"))
        }
        #expect(try await world.cases.list(CaseFilter()).isEmpty)
    }

    @Test(arguments: Store.allCases)
    func linkingAnAccountTwiceWritesOneLineAndAnUnknownAccountIsRefused(store: Store) async throws {
        let world = try await World(store)
        defer { Task { await world.close() } }
        let account = try await world.accounts.upsert(NewAccount(referenceID: "user-7"), actor: "key:1").account
        let opened = try await world.cases.open(NewCase(title: "t"), actor: "key:1").case
        _ = try await world.cases.linkAccounts(opened.id, [account.id], actor: "user:ana")
        let again = try await world.cases.linkAccounts(opened.id, [account.id], actor: "user:ana")
        #expect(again.accountIDs == [account.id] && again.version == 2)
        await #expect(throws: CaseError.self) { try await world.cases.linkAccounts(opened.id, [999], actor: "user:ana") }
        #expect(try await world.cases.detail(opened.id).timeline.filter { $0.kind == "account_linked" }.count == 1)
    }

    @Test(arguments: Store.allCases)
    func theQueueCountsOpenAndUnassignedCasesAndFiltersCombine(store: Store) async throws {
        let world = try await World(store)
        defer { Task { await world.close() } }
        let urgent = try await world.cases.open(NewCase(title: "a", priority: .urgent, queue: "csam"), actor: "key:1").case
        _ = try await world.cases.open(NewCase(title: "b", priority: .low, queue: "csam", assignee: "ana"), actor: "key:1")
        let done = try await world.cases.open(NewCase(title: "c", queue: "csam"), actor: "key:1").case
        _ = try await world.cases.decide(done.id, DecisionRequest(decision: .confirm(addToBank: nil), expectedVersion: 1, actor: "user:ana"))
        #expect(try await world.cases.queueCounts() == [QueueCount(queue: "csam", open: 2, unassigned: 1, oldestOpenAt: urgent.createdAt)])
        let lowOpen = try await world.cases.list(CaseFilter(priorities: [.low], openOnly: true))
        #expect(lowOpen.map(\.title) == ["b"])
        #expect(try await world.cases.list(CaseFilter(unassigned: true, openOnly: true)).map(\.title) == ["a"])
    }

    @Test(arguments: Store.allCases)
    func aBlockSaysWhyRefusesAStaleVersionAndAnUnblockRestores(store: Store) async throws {
        let world = try await World(store)
        defer { Task { await world.close() } }
        let account = try await world.accounts.upsert(NewAccount(referenceID: "user-9"), actor: "key:1").account
        await #expect(throws: CaseError.self) { try await world.accounts.block(account.id, reason: "  ", actor: "user:ana") }
        let blocked = try await world.accounts.block(account.id, reason: "matched known image", expectedVersion: 1, actor: "user:ana")
        #expect(blocked.isBlocked && blocked.blockReason == "matched known image" && blocked.version == 2)
        do {
            _ = try await world.accounts.block(account.id, reason: "again", expectedVersion: 1, actor: "user:bo")
            Issue.record("a block on a stale version was accepted")
        } catch let CaseError.accountConflict(_, current) {
            #expect(current.version == 2)
        }
        let restored = try await world.accounts.unblock(account.id, reason: "appeal upheld", actor: "user:bo")
        #expect(restored.status == AccountStatuses.active && restored.blockReason == nil)
        #expect(try await world.accounts.detail(account.id).history.map(\.kind) == ["created", "blocked", "unblocked"])
        let types = try await world.events()
        #expect(types.contains(EventTypes.accountBlocked) && types.contains(EventTypes.accountUnblocked))
    }

    /// A reviewer narrows the queue by priority, queue, account, time and openness at once; the
    /// filters combine the same way on every store.
    @Test(arguments: Store.allCases)
    func filtersCombineAsAReviewerNarrowsTheQueue(store: Store) async throws {
        let world = try await World(store)
        defer { Task { await world.close() } }
        let clock = TestClock(Date(timeIntervalSince1970: 1_765_000_000))
        let cases = CaseService(store: world.store, banks: world.banks, clock: { clock.now })
        let account = try await world.accounts.upsert(NewAccount(referenceID: "user-1"), actor: "t").account
        let early = try await cases.open(NewCase(title: "early", priority: .high, queue: "csam", accountIDs: [account.id]), actor: "t").case
        clock.advance(by: 3600)
        let late = try await cases.open(NewCase(title: "late", priority: .high, queue: "csam", accountIDs: [account.id]), actor: "t").case
        _ = try await cases.open(NewCase(title: "no account", priority: .high, queue: "csam"), actor: "t")
        _ = try await cases.open(NewCase(title: "low", priority: .low, queue: "csam", accountIDs: [account.id]), actor: "t")
        _ = try await cases.open(NewCase(title: "elsewhere", priority: .high, queue: "spam", accountIDs: [account.id]), actor: "t")
        let resolved = try await cases.open(NewCase(title: "resolved", priority: .high, queue: "csam", accountIDs: [account.id]), actor: "t").case
        _ = try await cases.decide(resolved.id, DecisionRequest(decision: .confirm(addToBank: nil), expectedVersion: 1, actor: "t"))

        func titles(_ filter: CaseFilter) async throws -> [String] { try await cases.list(filter).map(\.title) }
        #expect(try await titles(CaseFilter(priorities: [.high], queue: "csam", openOnly: true, accountID: account.id)) == ["late", "early"])
        #expect(try await titles(CaseFilter(priorities: [.high], queue: "csam", createdAfter: late.createdAt, openOnly: true, accountID: account.id))
            == ["late"])
        #expect(try await titles(CaseFilter(queue: "csam", createdBefore: late.createdAt, accountID: account.id)) == ["early"])
        #expect(try await titles(CaseFilter(statuses: ["open"], priorities: [.high, .low], accountID: account.id, before: late.id)) == ["early"])
        #expect(try await titles(CaseFilter(assignee: "nobody")).isEmpty)
        #expect(try await titles(CaseFilter(accountID: account.id, limit: 2)).count == 2)
        #expect(early.id < late.id)
    }
}
