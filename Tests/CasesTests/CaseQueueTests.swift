import Cases
import Foundation
import JSONValues
import Testing
import VigilTestSupport

/// The queue as a reviewer works it: found by what they remember (a title word, the platform's
/// account id, the start of a hash, the case number), read in the order that fits the work, with
/// each queue's SLA target and the cases past it, on every store.
@Suite struct CaseQueueTests {
    typealias Store = CaseServiceTests.Store
    typealias World = CaseServiceTests.World

    @Test(arguments: Store.allCases)
    func aCaseIsFoundByTitleAccountHashPrefixOrNumberAndWildcardsAreLiteral(store: Store) async throws {
        let world = try await World(store)
        defer { Task { await world.close() } }
        let account = try await world.accounts.upsert(NewAccount(referenceID: "Seller-4471"), actor: "key:1").account
        let sha = "c0ffee" + String(repeating: "0", count: 58)
        let upload = try await world.cases.open(NewCase(title: "Profile photo", accountIDs: [account.id]), actor: "key:1").case
        let listing = try await world.cases.open(NewCase(title: "Listing 100% match", evidence: [NewEvidence(
            match: EvidenceMatch(provider: "vigil", bank: "KNOWN", distance: 3), signals: EvidenceSignals(sha256: sha))]), actor: "key:1").case
        let other = try await world.cases.open(NewCase(title: "Other_thing"), actor: "key:1").case
        func found(_ text: String) async throws -> [Int64] {
            try await world.cases.list(CaseFilter(search: CaseSearch(text))).map(\.id).sorted()
        }
        #expect(try await found("PROFILE") == [upload.id])
        #expect(try await found("seller-44") == [upload.id])
        #expect(try await found("C0FFEE") == [listing.id])
        #expect(try await found("#\(other.id)") == [other.id])
        // What a reviewer types is text: % and _ match themselves, not everything.
        #expect(try await found("100%") == [listing.id])
        #expect(try await found("%") == [listing.id])
        #expect(try await found("r_t") == [other.id])
        #expect(try await found("nothing like it").isEmpty)
        // Without case or accents, on both databases (SQLite's lower() folds only ASCII).
        let accented = try await world.accounts.upsert(NewAccount(referenceID: "Ünïcode-Seller"), actor: "key:1").account
        let ecole = try await world.cases.open(NewCase(title: "École spam", accountIDs: [accented.id]), actor: "key:1").case
        #expect(try await found("ecole") == [ecole.id])
        #expect(try await found("ÉCOLE SPAM") == [ecole.id])
        #expect(try await found("unicode-sel") == [ecole.id])
        #expect(CaseSearch("   ") == nil)
    }

    @Test(arguments: Store.allCases)
    func theQueueReadsByUrgencyThenWaitAndPagesByOffset(store: Store) async throws {
        let world = try await World(store)
        defer { Task { await world.close() } }
        let clock = TestClock(Date(timeIntervalSince1970: 1_790_000_000))
        let cases = CaseService(store: world.store, banks: world.banks, clock: { clock.now })
        var opened: [String: Int64] = [:]
        for (title, priority) in [("old normal", Priority.normal), ("old urgent", .urgent), ("new urgent", .urgent), ("new low", .low)] {
            opened[title] = try await cases.open(NewCase(title: title, priority: priority), actor: "key:1").case.id
            clock.advance(by: 5 * 60)
        }
        _ = try await cases.decide(try #require(opened["old normal"]), DecisionRequest(decision: .escalate, expectedVersion: 1, actor: "user:ana"))
        func titles(_ sort: CaseSort, offset: Int = 0, limit: Int = 10) async throws -> [String] {
            try await cases.list(CaseFilter(sort: sort, offset: offset, limit: limit)).map(\.title)
        }
        #expect(try await titles(.priority) == ["old urgent", "new urgent", "old normal", "new low"])
        #expect(try await titles(.oldest) == ["old normal", "old urgent", "new urgent", "new low"])
        #expect(try await titles(.newest) == ["new low", "new urgent", "old urgent", "old normal"])
        #expect(try await titles(.updated).first == "old normal")
        #expect(try await titles(.priority, offset: 2, limit: 1) == ["old normal"])
    }

    @Test(arguments: Store.allCases)
    func openCasesPastTheirQueuesSLAAreCountedAndResolvedOnesAreNot(store: Store) async throws {
        let world = try await World(store)
        defer { Task { await world.close() } }
        let clock = TestClock(Date(timeIntervalSince1970: 1_790_000_000))
        let cases = CaseService(store: world.store, banks: world.banks, clock: { clock.now })
        let first = try await cases.open(NewCase(title: "first", queue: "csam"), actor: "key:1").case
        let resolved = try await cases.open(NewCase(title: "resolved", queue: "csam"), actor: "key:1").case
        clock.advance(by: 50 * 60)
        _ = try await cases.open(NewCase(title: "recent", queue: "csam"), actor: "key:1")
        _ = try await cases.open(NewCase(title: "no target", queue: "spam"), actor: "key:1")
        #expect(try await cases.setQueueSLA(queue: "csam", minutes: 60)?.minutes == 60)
        clock.advance(by: 11 * 60)
        _ = try await cases.decide(resolved.id, DecisionRequest(decision: .falsePositive(addToAllowBank: nil), expectedVersion: 1, actor: "user:ana"))
        let counts = try await cases.queueCounts()
        let csam = try #require(counts.first { $0.queue == "csam" })
        #expect(csam.open == 2 && csam.breaches == 1 && csam.sla?.minutes == 60 && csam.oldestOpenAt == first.createdAt)
        #expect(counts.first { $0.queue == "spam" }.map { $0.breaches == 0 && $0.sla == nil } == true)
        // A target is changed and removed; a nonsense one is refused and the old one kept.
        await #expect(throws: CaseError.self) { try await cases.setQueueSLA(queue: "csam", minutes: 0) }
        await #expect(throws: CaseError.self) { try await cases.setQueueSLA(queue: "csam", minutes: 60 * 24 * 91) }
        await #expect(throws: CaseError.self) { try await cases.setQueueSLA(queue: "a\u{0}b", minutes: 60) }
        await #expect(throws: CaseError.self) { try await cases.setQueueSLA(queue: String(repeating: "q", count: 65), minutes: 60) }
        #expect(try await cases.queueSLAs().map(\.minutes) == [60])
        _ = try await cases.setQueueSLA(queue: "csam", minutes: nil)
        #expect(try await cases.queueSLAs().isEmpty)
        #expect(try await cases.queueCounts().first { $0.queue == "csam" }?.breaches == 0)
    }

    @Test(arguments: Store.allCases)
    func aQueueRowNamesItsAccountsAndItsClosestMatch(store: Store) async throws {
        let world = try await World(store)
        defer { Task { await world.close() } }
        let account = try await world.accounts.upsert(NewAccount(referenceID: "user-42"), actor: "key:1").account
        let far = NewEvidence(match: EvidenceMatch(provider: "vigil", bank: "SHARED", distance: 20), signals: EvidenceSignals(pdq: CaseServiceTests.pdq))
        let near = NewEvidence(match: EvidenceMatch(provider: "vigil", bank: "KNOWN", distance: 2), signals: EvidenceSignals(pdq: CaseServiceTests.pdq))
        let unnamed = NewEvidence(match: EvidenceMatch(provider: "photodna"), signals: EvidenceSignals())
        // PhotoDNA's distance is another scale than PDQ's: Vigil's own match is named first.
        let otherScale = NewEvidence(match: EvidenceMatch(provider: "photodna", distance: 1), signals: EvidenceSignals())
        let item = try await world.cases.open(NewCase(title: "x", accountIDs: [account.id], evidence: [unnamed, otherScale, far, near]), actor: "key:1").case
        let bare = try await world.cases.open(NewCase(title: "bare"), actor: "key:1").case
        let facts = try await world.cases.queueFacts([item, bare])
        #expect(facts[item.id]?.accountReferences == ["user-42"])
        #expect(facts[item.id]?.closestMatch?.bank == "KNOWN" && facts[item.id]?.closestMatch?.distance == 2)
        #expect(facts[bare.id] == nil || facts[bare.id] == CaseQueueFacts())
    }
}

extension CaseQueueTests {
    /// Rotation (issue 30 §4): the most urgent case waiting longest is handed out, but after three
    /// severe cases in a row a reviewer gets a lighter one when there is one.
    @Test(arguments: Store.allCases)
    func aReviewerIsHandedALighterCaseAfterARunOfSevereOnes(store: Store) async throws {
        let world = try await World(store)
        defer { Task { await world.close() } }
        let clock = TestClock(Date(timeIntervalSince1970: 1_790_000_000))
        let cases = CaseService(store: world.store, banks: world.banks, clock: { clock.now })
        for n in 0..<4 {
            _ = try await cases.open(NewCase(title: "urgent \(n)", priority: .urgent, queue: "csam"), actor: "key:1")
            clock.advance(by: 60)
        }
        _ = try await cases.open(NewCase(title: "low", priority: .low, queue: "csam"), actor: "key:1")
        var handed: [(String, Bool)] = []
        for _ in 0..<5 {
            clock.advance(by: 60)
            let taken = try #require(try await cases.takeNext(assignee: "rita", actor: "user:rita", queue: "csam"))
            handed.append((taken.case.title, taken.lighter))
            #expect(taken.case.assignee == "rita")
        }
        #expect(handed.map(\.0) == ["urgent 0", "urgent 1", "urgent 2", "low", "urgent 3"], "\(handed)")
        #expect(handed.map(\.1) == [false, false, false, true, false])
        #expect(try await cases.takeNext(assignee: "rita", actor: "user:rita", queue: "csam") == nil, "nothing waits")
    }
}
