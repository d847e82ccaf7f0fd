import Access
import Foundation
import Testing
@testable import VigilServer

/// The audit page, as an admin reads it: newest first, a hundred at a time, "Earlier entries"
/// leading to the rest, filters kept.
@Suite struct AuditPageTests {
    @Test func anAdminReadsTheLogNewestFirstAndPagesBackwards() async throws {
        let fixture = try await ServerFixture()
        for i in 0..<105 {
            try await fixture.service.audit.append(AuditEvent(actor: "user:ada", action: "evidence.reveal", target: "media:m\(i)x", outcome: "ok"))
        }
        try await fixture.test { http in
            let admin = try await Browser.signedIn(.admin, fixture: fixture, http: http)
            let first = try await admin.get("/audit?action=evidence.reveal")
            #expect(first.status == 200)
            let newest = try #require(first.text.range(of: "media:m104x"))
            let older = try #require(first.text.range(of: "media:m5x"))
            #expect(newest.lowerBound < older.lowerBound, "newest first")
            #expect(!first.text.contains("media:m4x"), "a hundred a page")
            let link = try #require(first.text.range(of: #"href="/audit?before="#))
            let href = String(first.text[first.text.index(link.lowerBound, offsetBy: 6)...].prefix { $0 != "\"" })
                .replacingOccurrences(of: "&amp;", with: "&")
            #expect(href.contains("action=evidence.reveal"), "the filter is kept: \(href)")
            let earlier = try await admin.get(href)
            #expect(earlier.status == 200)
            #expect(earlier.text.contains("media:m4x") && earlier.text.contains("media:m0x"))
            #expect(!earlier.text.contains("media:m5x"), "no event on two pages")
            #expect(!earlier.text.contains("Earlier entries"))
        }
    }
}
