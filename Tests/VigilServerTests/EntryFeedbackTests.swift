import Cases
import ContentHashing
import Foundation
import HummingbirdTesting
import Testing
import VigilTestSupport
@testable import VigilServer

/// Feedback to the lists (issue 31 §2, first part): a reviewer's decision on a case is counted
/// against each bank entry its evidence matched — confirmed or false positive — once per
/// decision, in the decision's own transaction, and shown on the entry.
@Suite struct EntryFeedbackTests {
    @Test(arguments: Backend.allCases)
    func decisionsAreCountedAgainstTheEntriesTheyJudged(backend: Backend) async throws {
        let fixture = try await ServerFixture(backend)
        let entry = try #require(fixture.entryIDs.first)
        try await fixture.test { http in
            let md5 = try ContentHasher().signals(of: Images.demo(0)).md5
            func openCase() async throws -> Int { try await fixture.openMatchedCase(bank: "TEST_BANK", entryID: entry, md5: md5) }
            func decide(_ id: Int, _ decision: String) async throws -> Reply {
                let version = try await http.call(.get, "/v1/cases/\(id)", key: fixture.reviewer).json["version"] as? Int ?? 0
                return try await http.json(.post, "/v1/cases/\(id)/decisions", key: fixture.reviewer, #"{"decision":"\#(decision)","version":\#(version)}"#)
            }
            func feedback() async throws -> [String: Int] {
                let shown = try await http.call(.get, "/v1/banks/TEST_BANK/entries/\(entry)", key: fixture.curator)
                let all = shown.json["feedback"] as? [String: Any] ?? [:]
                #expect(!all.isEmpty, "\(shown.text)")
                return all.compactMapValues { $0 as? Int }.filter { $0.key != "matches" }
            }
            #expect(try await feedback() == ["confirmations": 0, "false_positives": 0])
            let first = try await openCase(), second = try await openCase(), third = try await openCase()
            #expect(try await decide(first, "escalate").status == 200)
            #expect(try await feedback() == ["confirmations": 0, "false_positives": 0], "a decision that resolves nothing judges nothing")
            #expect(try await decide(first, "confirm").status == 200)
            #expect(try await decide(second, "false_positive").status == 200)
            #expect(try await decide(third, "false_positive").status == 200)
            #expect(try await decide(third, "false_positive").status == 409, "a resolved case is not decided again")
            #expect(try await feedback() == ["confirmations": 1, "false_positives": 2])
            // Reopened, a case's verdict no longer counts; decided again, it counts once.
            #expect(try await decide(second, "reopen").status == 200)
            #expect(try await feedback() == ["confirmations": 1, "false_positives": 1])
            #expect(try await decide(second, "false_positive").status == 200)
            #expect(try await feedback() == ["confirmations": 1, "false_positives": 2], "a case counts once, however often it is reopened")
            // Evidence a person typed in — the entry's id, even its hash — counts nothing: only what Vigil matched.
            let typed = try await http.json(.post, "/v1/cases", key: fixture.reviewer,
                                            #"{"title":"typed","evidence":[{"provider":"vigil","bank":"TEST_BANK","entry_id":\#(entry),"md5":"\#(md5)"}]}"#)
            let typedID = try #require(typed.json["id"] as? Int, "\(typed.text)")
            #expect(try await decide(typedID, "false_positive").status == 200)
            let wrongHash = try await fixture.openMatchedCase(bank: "TEST_BANK", entryID: entry, md5: String(repeating: "0", count: 32))
            #expect(try await decide(wrongHash, "false_positive").status == 200)
            #expect(try await feedback() == ["confirmations": 1, "false_positives": 2], "neither a typed nor a mismatched evidence counts")
            // A verdict is a person's: a workflow resolving a case (an analyst can publish one) judges no entry.
            let byWorkflow = try await openCase()
            let template = try await fixture.service.cases.template(CaseTemplate.standard.name)
            _ = try await fixture.service.cases.decide(Int64(byWorkflow), DecisionRequest(decision: .setStatus(template.falsePositiveStatus),
                                                                                          expectedVersion: nil, note: nil, actor: "workflow:auto-close"))
            #expect(try await feedback() == ["confirmations": 1, "false_positives": 2], "a workflow's resolution counts nothing")
            let listed = try await http.call(.get, "/v1/banks/TEST_BANK/entries", key: fixture.curator)
            let row = (listed.json["entries"] as? [[String: Any]])?.first { ($0["id"] as? Int).map(Int64.init) == entry }
            #expect((row?["feedback"] as? [String: Any])?["false_positives"] as? Int == 2, "\(listed.text.prefix(400))")
            let bank = try await http.call(.get, "/v1/banks/TEST_BANK", key: fixture.curator)
            #expect((bank.json["feedback"] as? [String: Any])?["confirmations"] as? Int == 1, "\(bank.text)")
        }
    }

    /// Matches per entry: each lookup that matched an entry counts once on it (not a draft's test
    /// run), written when the replica flushes its tally; the bank shows its entries' total.
    @Test(arguments: Backend.allCases)
    func matchesAreCountedPerEntryAndBank(backend: Backend) async throws {
        let fixture = try await ServerFixture(backend)
        let entry = try #require(fixture.entryIDs.first)
        try await fixture.test { http in
            let photo = try Images.demo(0)
            for _ in 0..<3 {
                let answer = try await http.call(.post, "/v1/match", key: fixture.matcher, contentType: "image/jpeg", body: photo)
                #expect(answer.status == 200, "\(answer.text)")
            }
            let miss = try await http.call(.post, "/v1/match", key: fixture.matcher, contentType: "image/jpeg", body: try Images.demo(5))
            #expect(miss.status == 200)
            func matches(_ path: String) async throws -> [String: Any] {
                let shown = try await http.call(.get, path, key: fixture.curator)
                return try #require(shown.json["feedback"] as? [String: Any], "\(shown.text)")
            }
            #expect(try await matches("/v1/banks/TEST_BANK/entries/\(entry)")["matches"] as? Int == 0, "counted in memory until the flush")
            try await fixture.service.entryMatches.flush()
            let counted = try await matches("/v1/banks/TEST_BANK/entries/\(entry)")
            #expect(counted["matches"] as? Int == 3 && counted["last_matched_at"] is String, "\(counted)")
            #expect(try await matches("/v1/banks/TEST_BANK/entries/\(fixture.entryIDs[1])")["matches"] as? Int == 0)
            #expect(try await matches("/v1/banks/TEST_BANK")["matches"] as? Int == 3)
            try await fixture.service.entryMatches.flush()
            #expect(try await matches("/v1/banks/TEST_BANK")["matches"] as? Int == 3, "a flush adds only what was counted since the last")
        }
    }
}
