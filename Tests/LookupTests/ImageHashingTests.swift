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

    @Test func aHasherWithNoRoomIsABusyLookupThatSaysWhenToRetry() async throws {
        let (lookup, _, _) = try await Self.lookup(Stub { throw HashingPoolError.busy(retryAfterSeconds: 3) })
        await #expect(throws: LookupError.busy(retryAfterSeconds: 3)) {
            _ = try await lookup.lookup(LookupRequest(input: .image([0xFF, 0xD8, 0xFF]), api: .native))
        }
    }
}
