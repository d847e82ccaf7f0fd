import Banks
import ContentHashing
import Foundation
import Lookup
import PDQ
import Synchronization
import Testing
import VigilTestSupport

@Suite struct LookupServiceTests {
    struct Setup {
        let lookup: LookupService
        let banks: BankService
        let match: Bank
        let allow: Bank
    }

    static func setup() async throws -> Setup {
        let banks = BankService(store: InMemoryBankStore(), index: MatchIndex())
        try await banks.loadIndex()
        let lookup = LookupService(banks: banks, hashing: ImageHashingPool(threads: 2, queueLimit: 8))
        lookup.markReady()
        let match = try await banks.createBank(NewBank(name: "BAD", labels: ["A2"]))
        let allow = try await banks.createBank(NewBank(name: "FP", kind: .allow))
        return Setup(lookup: lookup, banks: banks, match: match, allow: allow)
    }

    static let md5 = String(repeating: "ab", count: 16)

    /// An entry that matches by PDQ and MD5 is one match that lists both signals.
    @Test func oneMatchPerEntryListingEverySignalThatMatched() async throws {
        let s = try await Self.setup()
        var generator = HashGenerator(seed: 21)
        let hash = generator.randomHash()
        try await s.banks.addEntries([NewEntry(signals: EntrySignals(pdq: hash, md5: Self.md5), addedBy: "t")], to: s.match)
        let outcome = try await s.lookup.lookup(LookupRequest(input: .signals(pdq: generator.near(hash, distance: 4), md5: Self.md5, sha256: nil),
                                                              api: .native))
        #expect(outcome.matches.count == 1)
        let hit = try #require(outcome.matches.first)
        #expect(hit.signals == [.pdq, .md5] && hit.distance == 4 && hit.entry?.signals.md5 == Self.md5)
    }

    /// An allow entry that holds the image's very bytes (its MD5) suppresses a match by PDQ alone,
    /// near or exact; an allow entry that holds only a PDQ never suppresses a match of the bytes.
    @Test func anAllowEntryOfTheImagesBytesSuppressesAPDQMatchButAPDQAllowEntryNeverAByteMatch() async throws {
        let s = try await Self.setup()
        var generator = HashGenerator(seed: 22)
        let hash = generator.randomHash()
        try await s.banks.addEntries([NewEntry(signals: EntrySignals(pdq: hash), addedBy: "t")], to: s.match)
        try await s.banks.addEntries([NewEntry(signals: EntrySignals(md5: Self.md5), addedBy: "t")], to: s.allow)
        let near = try await s.lookup.lookup(LookupRequest(input: .signals(pdq: generator.near(hash, distance: 6), md5: Self.md5, sha256: nil), api: .hma))
        #expect(!near.isMatch && near.suppressed.map(\.match.bank.name) == ["BAD"] && near.suppressed.map(\.by.bank.name) == ["FP"])
        #expect(near.allowedBy.map(\.bank.name) == ["FP"])
        let exact = try await s.lookup.lookup(LookupRequest(input: .signals(pdq: hash, md5: Self.md5, sha256: nil), api: .hma))
        #expect(!exact.isMatch, "the allowed file itself, whose PDQ the match entry holds")

        let bytes = String(repeating: "cd", count: 16)
        let known = generator.randomHash()
        try await s.banks.addEntries([NewEntry(signals: EntrySignals(pdq: known, md5: bytes), addedBy: "t")], to: s.match)
        try await s.banks.addEntries([NewEntry(signals: EntrySignals(pdq: known), addedBy: "t")], to: s.allow)
        let file = try await s.lookup.lookup(LookupRequest(input: .signals(pdq: known, md5: bytes, sha256: nil), api: .native))
        #expect(file.isMatch && file.suppressed.isEmpty, "a PDQ twin allowed does not hide the known file's bytes")
    }

    /// The classification reported for a match is the entry's own, else its bank's categories.
    @Test func violationsComeFromTheEntryThenTheBank() async throws {
        let s = try await Self.setup()
        var generator = HashGenerator(seed: 23)
        let (own, plain) = (generator.randomHash(), generator.randomHash())
        try await s.banks.addEntries([
            NewEntry(signals: EntrySignals(pdq: own), metadata: EntryMetadata(extra: ["classification": "A1"]), addedBy: "t"),
            NewEntry(signals: EntrySignals(pdq: plain), addedBy: "t"),
        ], to: s.match)
        let first = try await s.lookup.lookup(LookupRequest(input: .signals(pdq: own, md5: nil, sha256: nil), api: .photodna))
        let second = try await s.lookup.lookup(LookupRequest(input: .signals(pdq: plain, md5: nil, sha256: nil), api: .photodna))
        #expect(first.matches.first?.violations == ["A1"] && second.matches.first?.violations == ["A2"])
    }

    /// Every completed lookup reaches the observers, matched or not.
    @Test func everyLookupIsPublished() async throws {
        let s = try await Self.setup()
        let seen = Mutex<[LookupEvent]>([])
        s.lookup.observe { event in seen.withLock { $0.append(event) } }
        var generator = HashGenerator(seed: 24)
        let hash = generator.randomHash()
        try await s.banks.addEntries([NewEntry(signals: EntrySignals(pdq: hash), addedBy: "t")], to: s.match)
        _ = try await s.lookup.lookup(LookupRequest(input: .signals(pdq: hash, md5: nil, sha256: nil), api: .hma, includeEntries: false))
        _ = try await s.lookup.lookup(LookupRequest(input: .signals(pdq: generator.randomHash(), md5: nil, sha256: nil), api: .native))
        let events = seen.withLock { $0 }
        #expect(events.map(\.api) == [.hma, .native] && events.map(\.isMatch) == [true, false])
        #expect(events[0].matches.first?.bank.name == "BAD" && events[0].pdq == hash)
    }

    /// A bank named in another case is the same bank (the review of issue 29: `banks: ["bad"]`
    /// was an unknown bank, and on HMA's lenient path a silent "no match").
    @Test func aBankNamedInAnotherCaseIsSearched() async throws {
        let s = try await Self.setup()
        var generator = HashGenerator(seed: 25)
        let hash = generator.randomHash()
        try await s.banks.addEntries([NewEntry(signals: EntrySignals(pdq: hash), addedBy: "t")], to: s.match)
        let input = LookupRequest.Input.signals(pdq: hash, md5: nil, sha256: nil)
        #expect(try await s.lookup.lookup(LookupRequest(input: input, api: .native, banks: ["bad"])).isMatch)
        var lenient = LookupRequest(input: input, api: .hma, banks: ["Bad"])
        lenient.ignoreUnknownBanks = true
        #expect(try await s.lookup.lookup(lenient).isMatch)
    }

    @Test func requestsItCannotAnswerAreRefusedWithTheReason() async throws {
        let s = try await Self.setup()
        let probe = LookupRequest.Input.signals(pdq: PDQHash(w0: 1, w1: 2, w2: 3, w3: 4), md5: nil, sha256: nil)
        await #expect(throws: LookupError.unknownBank("NOPE")) {
            _ = try await s.lookup.lookup(LookupRequest(input: probe, api: .native, banks: ["NOPE"]))
        }
        await #expect(throws: LookupError.invalid("threshold must be between 0 and 256, got 300")) {
            _ = try await s.lookup.lookup(LookupRequest(input: probe, api: .native, threshold: 300))
        }
        var lenient = LookupRequest(input: probe, api: .hma, banks: ["NOPE"])
        lenient.ignoreUnknownBanks = true
        #expect(try await s.lookup.lookup(lenient).matches.isEmpty)
        let loading = LookupService(banks: s.banks, hashing: s.lookup.hashing, indexWait: .zero)
        await #expect(throws: LookupError.notReady) { _ = try await loading.lookup(LookupRequest(input: probe, api: .native)) }
    }

    /// An image goes through the hashing pool and matches by all its signals.
    @Test func anImageIsHashedOnThePoolAndMatched() async throws {
        let s = try await Self.setup()
        let bytes = try [UInt8](Data(contentsOf: ReferenceData.url("reg-test-input/dih/bridge-1-original.jpg")))
        let signals = try await s.lookup.hash(bytes)
        try await s.banks.addEntries([NewEntry(signals: EntrySignals(pdq: signals.pdq, sha256: signals.sha256), addedBy: "t")], to: s.match)
        let outcome = try await s.lookup.lookup(LookupRequest(input: .image(bytes), api: .native, enhanced: true))
        #expect(outcome.signals?.dihedral?.count == 8)
        #expect(outcome.matches.first?.signals == [.pdq, .sha256] && outcome.matches.first?.variant == .original)
        #expect(outcome.timings.hash != nil)
    }
}
