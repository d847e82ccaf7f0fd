import Banks
import Foundation
import PDQ
import Testing
import VigilTestSupport

/// The bank service's rules on the in-memory store, in milliseconds: names that differ only in
/// case are one name, what a live workflow uses is not deleted or renamed unless forced, a
/// signal a bank holds is not added twice, and an allow bank only suppresses what it is nearer to.
@Suite struct BankRulesTests {
    static func service() async throws -> BankService {
        let service = BankService(store: InMemoryBankStore(), index: MatchIndex())
        try await service.loadIndex()
        return service
    }

    @Test func namesAreOneWhateverTheirCase() async throws {
        let service = try await Self.service()
        let bank = try await service.createBank(NewBank(name: "KNOWN_BAD"))
        await #expect(throws: BankError.alreadyExists("Known_Bad")) { _ = try await service.createBank(NewBank(name: "Known_Bad")) }
        #expect(try await service.bank(named: "known_bad").id == bank.id)
        var other = try await service.createBank(NewBank(name: "OTHER"))
        other.name = "known_BAD"
        await #expect(throws: BankError.alreadyExists("known_BAD")) { _ = try await service.updateBank(other) }
    }

    @Test func whatAWorkflowUsesIsKeptUnlessForced() async throws {
        let service = try await Self.service()
        _ = try await service.createBank(NewBank(name: "USED"))
        service.checkUsers { bank in bank.name == "USED" ? ["workflow \"Screen uploaded image\", step add"] : [] }
        await #expect(throws: BankError.self) { try await service.deleteBank(named: "USED") }
        var renamed = try await service.bank(named: "USED")
        renamed.name = "RENAMED"
        await #expect(throws: BankError.self) { _ = try await service.updateBank(renamed) }
        try await service.deleteBank(named: "USED", force: true)
        await #expect(throws: BankError.self) { _ = try await service.bank(named: "USED") }
    }

    @Test func aSignalIsBankedOnce() async throws {
        let service = try await Self.service()
        let bank = try await service.createBank(NewBank(name: "ONCE"))
        var generator = HashGenerator(seed: 29)
        let entry = NewEntry(signals: EntrySignals(pdq: generator.randomHash(), md5: String(repeating: "a", count: 32)), addedBy: "test")
        #expect(try await service.addEntries([entry], to: bank).insertedCount == 1)
        let again = try await service.addEntries([entry], to: bank)
        #expect(again.insertedCount == 0 && again.duplicates == 1)
    }

    /// An allow entry suppresses a match only when it is nearer to the image than the matched
    /// entry: the exact known image stays a match beside an allow entry for a near copy.
    @Test func anAllowEntryOnlySuppressesWhatItIsNearerTo() async throws {
        let service = try await Self.service()
        let known = try await service.createBank(NewBank(name: "KNOWN"))
        let allow = try await service.createBank(NewBank(name: "ALLOW", kind: .allow))
        var generator = HashGenerator(seed: 30)
        let image = generator.randomHash()
        let copy = generator.near(image, distance: 4)
        _ = try await service.addEntries([NewEntry(signals: EntrySignals(pdq: image), addedBy: "test")], to: known)
        _ = try await service.addEntries([NewEntry(signals: EntrySignals(pdq: copy), addedBy: "test")], to: allow)
        let exact = service.match(MatchQuery(pdq: [image]))
        #expect(exact.isMatch && exact.suppressed.isEmpty, "the known image itself is a match")
        let nearCopy = service.match(MatchQuery(pdq: [copy]))
        #expect(!nearCopy.isMatch && nearCopy.suppressed.count == 1, "the copy the allow entry was made from is suppressed")
    }

    /// Issue 31 §3: the quality gate is per bank as well as global. A bank's own gate decides
    /// whether a query's PDQ is matched against its entries (exact signals always are); an answer
    /// below some bank's gate says so.
    @Test func eachBankHasItsOwnQualityGate() async throws {
        let service = try await Self.service()
        let strict = try await service.createBank(NewBank(name: "STRICT", guards: BankGuards(qualityGate: 80)))
        let lenient = try await service.createBank(NewBank(name: "LENIENT", guards: BankGuards(qualityGate: 20)))
        let plain = try await service.createBank(NewBank(name: "PLAIN"))
        var generator = HashGenerator(seed: 31)
        let image = generator.randomHash()
        for bank in [strict, lenient, plain] {
            _ = try await service.addEntries([NewEntry(signals: EntrySignals(pdq: image, md5: String(repeating: "b", count: 32)), addedBy: "test")], to: bank)
        }
        func banks(_ quality: Int, md5: String? = nil) -> (names: [String], below: Bool) {
            let result = service.match(MatchQuery(pdq: md5 == nil ? [image] : [], pdqQuality: quality, md5: md5))
            return (result.matches.map(\.bank.name).sorted(), result.pdqBelowQualityGate)
        }
        #expect(banks(90) == (["LENIENT", "PLAIN", "STRICT"], false))
        #expect(banks(60) == (["LENIENT", "PLAIN"], true), "below STRICT's own gate, above the global 50")
        #expect(banks(30) == (["LENIENT"], true), "below the global gate, above LENIENT's own")
        #expect(banks(10) == ([], true))
        #expect(banks(10, md5: String(repeating: "b", count: 32)).names == ["LENIENT", "PLAIN", "STRICT"], "an exact hash is not gated")
        await #expect(throws: BankError.self) { _ = try await service.createBank(NewBank(name: "BAD", guards: BankGuards(qualityGate: 101))) }
    }

    /// Entries whose PDQ quality is below the bank's gate are kept and flagged on import.
    @Test func lowQualityEntriesAreFlaggedOnImport() async throws {
        struct Items: ImportReader {
            var items: [ImportItem]
            var progress: Double? { nil }
            mutating func next() async throws -> ImportItem? { items.isEmpty ? nil : items.removeFirst() }
        }
        let service = try await Self.service()
        let bank = try await service.createBank(NewBank(name: "LIST", guards: BankGuards(qualityGate: 70)))
        var generator = HashGenerator(seed: 32)
        var reader = Items(items: [40, 65, 90, 100].enumerated().map { line, quality in
            .entry(line: line + 1, NewEntry(signals: EntrySignals(pdq: generator.randomHash(), pdqQuality: quality), addedBy: "test"))
        })
        let summary = try await service.importEntries(into: bank, from: &reader)
        #expect(summary.added == 4 && summary.lowQuality == 2, "\(summary)")
        let flagged = try await service.entries(of: bank, after: 0, limit: 10).filter { $0.isBelowQualityGate(of: bank) }
        #expect(flagged.compactMap(\.signals.pdqQuality).sorted() == [40, 65])
    }
}
