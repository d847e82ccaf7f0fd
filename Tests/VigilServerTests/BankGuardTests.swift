import Banks
import ContentHashing
import Events
import Foundation
import HummingbirdTesting
import Lookup
import PDQ
import Testing
import VigilTestSupport
@testable import VigilServer

/// A bank's own guards against overzealous entries (issue 31 §3): its flood limit, its
/// false-positive limit and its quality gate, each over the server's setting where set; an entry
/// reviewers keep finding false positive is quarantined and the curators told.
@Suite struct BankGuardTests {
    @Test func aBankSetsItsOwnGuardsThroughTheAPI() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            let created = try await http.json(.post, "/v1/banks", key: fixture.curator,
                                              #"{"name":"SHARED","flood_limit_per_hour":200,"false_positive_limit":2,"quality_gate":70}"#)
            #expect(created.status == 201 && created.json["quality_gate"] as? Int == 70 && created.json["false_positive_limit"] as? Int == 2, "\(created.text)")
            // Left out: kept; null: back to the server's setting.
            let patched = try await http.json(.patch, "/v1/banks/SHARED", key: fixture.curator, #"{"false_positive_limit":null,"description":"a list"}"#)
            #expect(patched.status == 200 && patched.json["false_positive_limit"] is NSNull && patched.json["flood_limit_per_hour"] as? Int == 200,
                    "\(patched.text)")
            let refused = try await http.json(.patch, "/v1/banks/SHARED", key: fixture.curator, #"{"quality_gate":101}"#)
            #expect(refused.status == 400 && refused.errorMessage?.contains("quality_gate") == true, "\(refused.text)")
            let plain = try await http.call(.get, "/v1/banks/TEST_BANK", key: fixture.viewer)
            #expect(plain.json["quality_gate"] is NSNull && plain.json["quarantined"] as? Int == 0, "\(plain.text)")
        }
    }

    /// Every `false_positive_limit` of an entry's matches resolved as false positives, it is
    /// quarantined: it stops matching, curators get an event, and once restored it takes as many
    /// more to be quarantined again.
    @Test(arguments: Backend.allCases)
    func anEntryReviewersKeepRejectingIsQuarantined(backend: Backend) async throws {
        let fixture = try await ServerFixture(backend)
        let entry = try #require(fixture.entryIDs.first)
        try await fixture.test { http in
            #expect(try await http.json(.patch, "/v1/banks/TEST_BANK", key: fixture.curator, #"{"false_positive_limit":2}"#).status == 200)
            let md5 = try ContentHasher().signals(of: Images.demo(0)).md5
            func rejectAMatch(_ decision: String = "false_positive") async throws {
                let id = try await fixture.openMatchedCase(bank: "TEST_BANK", entryID: entry, md5: md5)
                #expect(try await http.json(.post, "/v1/cases/\(id)/decisions", key: fixture.reviewer, #"{"decision":"\#(decision)","version":1}"#).status == 200)
            }
            func quarantine() async throws -> [String: Any]? {
                try await http.call(.get, "/v1/banks/TEST_BANK/entries/\(entry)", key: fixture.curator).json["quarantine"] as? [String: Any]
            }
            func matches() async throws -> Bool {
                let answer = try await http.call(.post, "/v1/match", key: fixture.matcher, contentType: "image/jpeg", body: try Images.demo(0))
                return answer.json["is_match"] as? Bool == true
            }
            try await rejectAMatch()
            try await rejectAMatch("confirm")
            let stillMatching = try await matches()
            #expect(try await quarantine() == nil && stillMatching)
            try await rejectAMatch()
            let reason = try #require(try await quarantine()?["reason"] as? String)
            #expect(reason == "reviewers found 2 of its matches false positives")
            #expect(!(try await matches()), "a quarantined entry stops matching")
            let told = try await fixture.service.events.events(after: 0, types: [EventTypes.entryQuarantined], limit: 10)
            #expect(told.count == 1 && told.first?.actor == "system:false-positive-guard" && told.first?.payload.object?["bank"] == .string("TEST_BANK"),
                    "\(told)")
            let bank = try await http.call(.get, "/v1/banks/TEST_BANK", key: fixture.curator)
            #expect(bank.json["quarantined"] as? Int == 1, "\(bank.text)")
            #expect(try await http.call(.post, "/v1/banks/TEST_BANK/entries/\(entry)/restore", key: fixture.curator).status == 200)
            #expect(try await matches())
            try await rejectAMatch()
            #expect(try await quarantine() == nil, "restored, it takes as many more false positives")
            try await rejectAMatch()
            #expect(try await quarantine()?["reason"] as? String == "reviewers found 4 of its matches false positives")
        }
    }

    /// A bank's own flood limit is the one its entries are held to.
    @Test func aBanksOwnFloodLimitIsTheOneItsEntriesMeet() async throws {
        var settings = ServerSettings()
        settings.floodLimit = 1000
        let fixture = try await ServerFixture(settings: settings)
        let banks = fixture.service.banks
        let loose = try await banks.createBank(NewBank(name: "LOOSE", pdqThreshold: 256, guards: BankGuards(floodLimitPerHour: 5)))
        let entryID = try #require(try await banks.addEntries([NewEntry(signals: EntrySignals(pdq: PDQHash(w0: 0, w1: 0, w2: 0, w3: 0)), addedBy: "test")],
                                                              to: loose).inserted.first?.entryID)
        // Hashes a caller sends count for nothing: a key that may look up cannot take an entry out by
        // sending made-up hashes near it.
        var generator = HashGenerator(seed: 33)
        for _ in 0..<50 {
            var request = LookupRequest(input: .signals(pdq: generator.randomHash(), md5: nil, sha256: nil), api: .native, includeEntries: false)
            request.banks = ["LOOSE"]
            #expect(try await fixture.service.lookup.lookup(request).matches.count == 1)
        }
        #expect(try await fixture.service.events.events(after: 0, types: [EventTypes.entryQuarantined], limit: 1).isEmpty)
        var quarantinedAt: Int?
        for i in 0..<200 where quarantinedAt == nil {
            var request = LookupRequest(input: .image(try Images.noise(seed: UInt64(i + 1))), api: .native, includeEntries: false)
            request.banks = ["LOOSE"]
            _ = try await fixture.service.lookup.lookup(request)
            if !(try await fixture.service.events.events(after: 0, types: [EventTypes.entryQuarantined], limit: 1)).isEmpty { quarantinedAt = i }
        }
        let at = try #require(quarantinedAt, "quarantined by the bank's limit of 5, not the server's 1000")
        #expect(at < 100)
        #expect(try await banks.entry(id: entryID).metadata.quarantine?.reason == "matched more than 5 distinct images within an hour")
        await fixture.database.close()
    }
}
