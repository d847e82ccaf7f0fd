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

/// What a person changes in the workflow builder is in the audit log, as the same change made
/// through the API is (issue 30: the dashboard's workflow changes were missing from it).
@Suite struct WorkflowPageAuditTests {
    @Test func creatingADraftAndAddingAndRemovingAStepAreAudited() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            var analyst = try await Browser.signedIn(.analyst, fixture: fixture, http: http)
            let created = try await analyst.post("/workflows", ["name": "Audited flow", "trigger": "api", "parameter_name": "image_url", "parameter_type": "url"])
            #expect(created.status == 303, "\(created.text.prefix(300))")
            let workflow = try #require(try await fixture.service.workflows.find(named: "Audited flow"))
            let added = try await analyst.post("/workflows/\(workflow.id)/steps", ["kind": "action", "step_id": "keep", "action": "bank.add",
                                                                                 "in_bank": "TEST_BANK", "in_image_url": "{{ trigger.image_url }}"])
            #expect(added.status == 303, "\(added.text.prefix(500))")
            let removed = try await analyst.post("/workflows/\(workflow.id)/steps/keep/delete", [:])
            #expect(removed.status == 303, "\(removed.text.prefix(300))")
            let log = try await fixture.service.audit.latestEvents(before: nil, limit: 20, filter: AuditFilter())
                .filter { $0.action.hasPrefix("workflow.") }
            #expect(log.map(\.action) == ["workflow.update", "workflow.update", "workflow.create"], "\(log)")
            #expect(log.map(\.outcome) == ["ok: removed step keep", "ok: added step keep", "ok"])
            #expect(log.allSatisfy { $0.target == "workflow:\(workflow.id)" && $0.actor.hasPrefix("user:analyst-") }, "\(log)")
        }
    }
}
