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
            func openCase() async throws -> Int {
                let body = #"{"title":"match","evidence":[{"provider":"vigil","bank":"TEST_BANK","entry_id":\#(entry),"distance":0}]}"#
                let opened = try await http.json(.post, "/v1/cases", key: fixture.reviewer, body)
                return try #require(opened.json["id"] as? Int, "\(opened.text)")
            }
            func decide(_ id: Int, _ decision: String) async throws -> Reply {
                let version = try #require(try await http.call(.get, "/v1/cases/\(id)", key: fixture.reviewer).json["version"] as? Int)
                return try await http.json(.post, "/v1/cases/\(id)/decisions", key: fixture.reviewer, #"{"decision":"\#(decision)","version":\#(version)}"#)
            }
            func feedback() async throws -> [String: Int] {
                let shown = try await http.call(.get, "/v1/banks/TEST_BANK/entries/\(entry)", key: fixture.curator)
                return try #require(shown.json["feedback"] as? [String: Int], "\(shown.text)")
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
            let listed = try await http.call(.get, "/v1/banks/TEST_BANK/entries", key: fixture.curator)
            let row = (listed.json["entries"] as? [[String: Any]])?.first { ($0["id"] as? Int).map(Int64.init) == entry }
            #expect((row?["feedback"] as? [String: Int])?["false_positives"] == 2, "\(listed.text.prefix(400))")
        }
    }
}
