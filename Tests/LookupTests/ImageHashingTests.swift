import Banks
import Foundation
import ImageSignals
import Lookup
import PDQ
import Testing
import VigilTestSupport

/// The lookup path asks an `ImageHashing` for an image's signals and knows no codec: a stand-in
/// hasher drives it here, as the hashing pool does in the server.
@Suite struct ImageHashingTests {
    struct Stub: ImageHashing {
        let answer: @Sendable () throws -> ContentSignals
        func signals(of bytes: [UInt8], dihedral: Bool) async throws -> ContentSignals { try answer() }
    }

    static func lookup(_ hashing: any ImageHashing) async throws -> (LookupService, BankService, Bank) {
        let banks = BankService(store: InMemoryBankStore(), index: MatchIndex())
        try await banks.loadIndex()
        let lookup = LookupService(banks: banks, hashing: hashing)
        lookup.markReady()
        return (lookup, banks, try await banks.createBank(NewBank(name: "BAD")))
    }

    @Test func anImageMatchesByTheSignalsItsHasherGives() async throws {
        var generator = HashGenerator(seed: 7)
        let hash = generator.randomHash()
        let signals = ContentSignals(pdq: generator.near(hash, distance: 3), quality: 90, md5: String(repeating: "0", count: 32),
                                     sha256: String(repeating: "1", count: 64), width: 640, height: 480, format: .jpeg)
        let (lookup, banks, bank) = try await Self.lookup(Stub { signals })
        try await banks.addEntries([NewEntry(signals: EntrySignals(pdq: hash, pdqQuality: 90), addedBy: "t")], to: bank)
        let outcome = try await lookup.lookup(LookupRequest(input: .image([0xFF, 0xD8, 0xFF]), api: .native))
        #expect(outcome.matches.map(\.distance) == [3])
        #expect(outcome.signals?.format == .jpeg)
    }

    /// Lookups waiting for a loading index hold their images: past the budget, an image lookup is
    /// refused at once instead of waiting; a hash lookup still waits and is answered once it loads.
    @Test func waitingImagesAreBoundedAndHashLookupsWaitForTheIndex() async throws {
        let signals = ContentSignals(pdq: PDQHash(w0: 1, w1: 2, w2: 3, w3: 4), quality: 90, md5: String(repeating: "0", count: 32),
                                     sha256: String(repeating: "1", count: 64), width: 640, height: 480, format: .jpeg)
        let banks = BankService(store: InMemoryBankStore(), index: MatchIndex())
        try await banks.loadIndex()
        let loading = LookupService(banks: banks, hashing: Stub { signals }, indexWait: .seconds(60), waitingImageBudget: 1024)
        let image = [UInt8](repeating: 0xFF, count: 2048)
        let start = ContinuousClock.now
        await #expect(throws: LookupError.notReady) { _ = try await loading.lookup(LookupRequest(input: .image(image), api: .native)) }
        #expect(start.duration(to: .now) < .seconds(30), "the image lookup waited instead of being refused")
        let probe = LookupRequest(input: .signals(pdq: nil, md5: String(repeating: "ab", count: 16), sha256: nil), api: .native)
        async let waited = loading.lookup(probe)
        let deadline = ContinuousClock.now.advanced(by: .seconds(20))
        while loading.waitingForIndex == 0 {
            try #require(ContinuousClock.now < deadline, "the hash lookup never waited for the index")
            await Task.yield()
        }
        loading.markReady()
        #expect(try await waited.matches.isEmpty)
    }

    @Test func aHasherWithNoRoomIsABusyLookupThatSaysWhenToRetry() async throws {
        let (lookup, _, _) = try await Self.lookup(Stub { throw HashingPoolError.busy(retryAfterSeconds: 3) })
        await #expect(throws: LookupError.busy(retryAfterSeconds: 3)) {
            _ = try await lookup.lookup(LookupRequest(input: .image([0xFF, 0xD8, 0xFF]), api: .native))
        }
    }
}
