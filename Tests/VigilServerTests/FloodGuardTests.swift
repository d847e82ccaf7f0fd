import Banks
import Events
import Foundation
import HummingbirdTesting
import Lookup
import PDQ
import Testing
import VigilTestSupport
@testable import VigilServer

/// The guard against overzealous entries (issue 31 §3): an entry that matches more distinct
/// images in an hour than `flood_limit_per_hour` is quarantined — it stops matching on every
/// replica, curators are told (an event), and a curator restores, snoozes or deletes it.
@Suite struct FloodGuardTests {
    /// A flood: one entry of a bank whose threshold matches anything meets a stream of distinct
    /// images (of 10,000); it is quarantined within ~60 lookups of its limit, and lookups go on.
    /// (How long that takes is for a benchmark, not a test: under the whole suite it varies.)
    @Test(arguments: Backend.allCases)
    func aFloodingEntryIsQuarantinedAndACuratorRestoresIt(backend: Backend) async throws {
        var settings = ServerSettings()
        settings.floodLimit = 50
        let fixture = try await ServerFixture(backend, settings: settings)
        let banks = fixture.service.banks
        let loose = try await banks.createBank(NewBank(name: "LOOSE", pdqThreshold: 256))
        let generic = PDQHash(w0: 0, w1: 0, w2: 0, w3: 0)
        let entryID = try #require(try await banks.addEntries([NewEntry(signals: EntrySignals(pdq: generic), addedBy: "test")], to: loose)
            .inserted.first?.entryID)
        try await fixture.test { http in
            var matchedAfterQuarantine = 0
            var quarantinedAt: Int?
            for i in 0..<10_000 {
                // Images Vigil hashes itself: only those count (a hash sent could be made up).
                var request = LookupRequest(input: .image(try Images.noise(seed: UInt64(i + 1))), api: .native, includeEntries: false)
                request.banks = ["LOOSE"]
                let outcome = try await fixture.service.lookup.lookup(request)
                // The event is written once the quarantine is stored: seeing it, the entry is out.
                if quarantinedAt == nil, !(try await fixture.service.events.events(after: 0, types: [EventTypes.entryQuarantined], limit: 1)).isEmpty {
                    quarantinedAt = i
                }
                if quarantinedAt != nil, outcome.matches.contains(where: { $0.entryID == entryID }) { matchedAfterQuarantine += 1 }
                if let at = quarantinedAt, i > at + 50 { break }
            }
            let at = try #require(quarantinedAt, "the flooding entry was quarantined")
            #expect(at <= 200, "quarantined soon after its 51st distinct image (at lookup \(at))")
            #expect(matchedAfterQuarantine <= 5, "it stops matching at once (\(matchedAfterQuarantine) matches after)")
            let entry = try await banks.entry(id: entryID)
            #expect(entry.metadata.quarantine?.reason == "matched more than 50 distinct images within an hour")
            // Curators are told: an event every subscriber and workflow can take.
            let told = try await fixture.service.events.events(after: 0, types: [EventTypes.entryQuarantined], limit: 10)
            #expect(told.count == 1 && told.first?.payload.object?["bank"] == .string("LOOSE"), "\(told)")
            // The API shows it, and a curator restores it: it matches again.
            let shown = try await http.call(.get, "/v1/banks/LOOSE/entries/\(entryID)", key: fixture.curator)
            #expect((shown.json["quarantine"] as? [String: Any])?["reason"] as? String == "matched more than 50 distinct images within an hour", "\(shown.text)")
            #expect(try await http.call(.post, "/v1/banks/LOOSE/entries/\(entryID)/restore", key: fixture.matcher).status == 403)
            let restored = try await http.call(.post, "/v1/banks/LOOSE/entries/\(entryID)/restore", key: fixture.curator)
            #expect(restored.status == 200 && restored.json["quarantine"] is NSNull, "\(restored.text)")
            #expect(try await http.call(.post, "/v1/banks/LOOSE/entries/\(entryID)/restore", key: fixture.curator).status == 409)
            var again = LookupRequest(input: .signals(pdq: generic, md5: nil, sha256: nil), api: .native, includeEntries: false)
            again.banks = ["LOOSE"]
            #expect(try await fixture.service.lookup.lookup(again).matches.contains { $0.entryID == entryID })
        }
    }

    @Test func theWindowForgetsOldImagesAndZeroTurnsTheGuardOff() {
        let guardian = FloodGuard(limit: 2, window: 60)
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(guardian.observe(entryIDs: [1], image: "a", at: t0).isEmpty)
        #expect(guardian.observe(entryIDs: [1], image: "a", at: t0.addingTimeInterval(1)).isEmpty, "the same image counts once")
        #expect(guardian.observe(entryIDs: [1], image: "b", at: t0.addingTimeInterval(2)).isEmpty)
        #expect(guardian.observe(entryIDs: [1], image: "c", at: t0.addingTimeInterval(120)).isEmpty, "a and b left the window")
        #expect(guardian.observe(entryIDs: [1], image: "d", at: t0.addingTimeInterval(121)).isEmpty)
        #expect(guardian.observe(entryIDs: [1], image: "e", at: t0.addingTimeInterval(122)) == [1])
        #expect(guardian.observe(entryIDs: [1], image: "f", at: t0.addingTimeInterval(123)).isEmpty, "reported once a window")
        #expect(FloodGuard(limit: 0).observe(entryIDs: [1], image: "a", at: t0).isEmpty)
    }
}
