import Banks
import Cases
import Events
import Foundation
import JSONValues
import PDQ
import Testing
import VigilTestSupport

/// The case and account services against an in-memory store: the rules a reviewer relies on
/// (one case per origin, decisions on the version seen, resolutions that add and undo bank
/// entries, blocks that say why), checked in milliseconds.
@Suite struct CaseServiceTests {
    struct World {
        let store = InMemoryCaseStore()
        let banks = BankService(store: InMemoryBankStore(), index: MatchIndex())
        var cases: CaseService { CaseService(store: store, banks: banks) }
        var accounts: AccountService { AccountService(store: store) }
    }

    static let pdq = String(repeating: "a5", count: 32)
    static func evidence(pdq: String = pdq) -> NewEvidence {
        NewEvidence(match: EvidenceMatch(provider: "vigil", bank: "KNOWN", distance: 4), signals: EvidenceSignals(pdq: pdq, md5: String(repeating: "0f", count: 16)))
    }

    @Test func aWorkflowRetriedOpensOneCaseWhoseTimelineTellsWhatItOpenedWith() async throws {
        let world = World()
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
        #expect(await world.store.events.map(\.type).filter { $0 == EventTypes.caseCreated }.count == 1)
    }

    @Test func aDecisionOnAVersionNoLongerCurrentIsRefusedAndChangesNothing() async throws {
        let world = World()
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

    @Test func aResolvedCaseRefusesASecondResolution() async throws {
        let world = World()
        let opened = try await world.cases.open(NewCase(title: "t"), actor: "key:1").case
        let resolved = try await world.cases.decide(opened.id, DecisionRequest(decision: .confirm(addToBank: nil), expectedVersion: 1, actor: "user:ana"))
        #expect(resolved.isFinal && resolved.resolvedAt != nil)
        await #expect(throws: CaseError.self) {
            try await world.cases.decide(opened.id, DecisionRequest(decision: .falsePositive(addToAllowBank: nil), actor: "workflow:2"))
        }
        #expect(try await world.cases.detail(opened.id).case.status == resolved.status)
    }

    @Test func aConfirmationAddsTheEvidenceToTheBankAndReopeningTakesItBack() async throws {
        let world = World()
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

    @Test func aFalsePositiveGoesToAnAllowBankOnlyAndNeverToAMatchBank() async throws {
        let world = World()
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

    @Test func evidenceWithMalformedSignalsIsRefusedWithTheFieldNamed() async throws {
        let world = World()
        do {
            _ = try await world.cases.open(NewCase(title: "t", evidence: [Self.evidence(pdq: "abc")]), actor: "key:1")
            Issue.record("a malformed PDQ was accepted")
        } catch let CaseError.invalid(message) {
            #expect(message.contains("evidence pdq"))
        }
        #expect(try await world.cases.list(CaseFilter()).isEmpty)
    }

    @Test func linkingAnAccountTwiceWritesOneLineAndAnUnknownAccountIsRefused() async throws {
        let world = World()
        let account = try await world.accounts.upsert(NewAccount(referenceID: "user-7"), actor: "key:1").account
        let opened = try await world.cases.open(NewCase(title: "t"), actor: "key:1").case
        _ = try await world.cases.linkAccounts(opened.id, [account.id], actor: "user:ana")
        let again = try await world.cases.linkAccounts(opened.id, [account.id], actor: "user:ana")
        #expect(again.accountIDs == [account.id] && again.version == 2)
        await #expect(throws: CaseError.self) { try await world.cases.linkAccounts(opened.id, [999], actor: "user:ana") }
        #expect(try await world.cases.detail(opened.id).timeline.filter { $0.kind == "account_linked" }.count == 1)
    }

    @Test func theQueueCountsOpenAndUnassignedCasesAndFiltersCombine() async throws {
        let world = World()
        let urgent = try await world.cases.open(NewCase(title: "a", priority: .urgent, queue: "csam"), actor: "key:1").case
        _ = try await world.cases.open(NewCase(title: "b", priority: .low, queue: "csam", assignee: "ana"), actor: "key:1")
        let done = try await world.cases.open(NewCase(title: "c", queue: "csam"), actor: "key:1").case
        _ = try await world.cases.decide(done.id, DecisionRequest(decision: .confirm(addToBank: nil), expectedVersion: 1, actor: "user:ana"))
        #expect(try await world.cases.queueCounts() == [QueueCount(queue: "csam", open: 2, unassigned: 1, oldestOpenAt: urgent.createdAt)])
        let lowOpen = try await world.cases.list(CaseFilter(priorities: [.low], openOnly: true))
        #expect(lowOpen.map(\.title) == ["b"])
        #expect(try await world.cases.list(CaseFilter(unassigned: true, openOnly: true)).map(\.title) == ["a"])
    }

    @Test func aBlockSaysWhyRefusesAStaleVersionAndAnUnblockRestores() async throws {
        let world = World()
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
        let types = await world.store.events.map(\.type)
        #expect(types.contains(EventTypes.accountBlocked) && types.contains(EventTypes.accountUnblocked))
    }
}
