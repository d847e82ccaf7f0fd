import Access
import Cases
import Foundation
import HummingbirdTesting
import Testing
import VigilTestSupport
@testable import VigilServer

/// Reviewer wellness (issue 30 §4): a cap on what one person reveals in a shift, a warning near
/// it, a refusal at it that points to work needing no image, the budget left in every reveal's
/// audit line and answer, a re-blur timer, and a supervisor's view of counts (never files).
@Suite struct ExposureBudgetTests {
    static func admin0(_ fixture: ServerFixture, _ http: any TestClientProtocol) async throws -> Browser {
        try await Browser.signedIn(.admin, fixture: fixture, http: http)
    }

    @Test func revealsStopAtTheShiftsCapForThatPersonOnlyAndTheSupervisorSeesCounts() async throws {
        var settings = ServerSettings()
        settings.exposure = ExposureBudget(revealsPerShift: 3, shiftHours: 8, revealSeconds: 20)
        let fixture = try await ServerFixture(settings: settings)
        try await fixture.test { http in
            let (caseID, sha) = try await EvidenceTests.caseWithImage(fixture, http)
            let reveal = "/v1/media/\(sha)/reveal?case_id=\(caseID)"
            for left in [2, 1, 0] {
                let shown = try await http.call(.post, reveal, key: fixture.reviewer)
                #expect(shown.status == 200 && shown.headers[EvidenceRoutes.revealsLeft] == String(left), "\(shown.status)")
            }
            let refused = try await http.call(.post, reveal, key: fixture.reviewer)
            #expect(refused.status == 429, "\(refused.text.prefix(300))")
            #expect(refused.errorMessage?.contains("the most a shift allows") == true && refused.headers[.retryAfter] != nil, "\(refused.text)")
            #expect(refused.body.count < 2000, "no image at the cap")
            // Another person has a budget of their own.
            #expect(try await http.call(.post, reveal, key: fixture.admin).status == 200)
            // The API says the same: the reviewer's own, and everyone's for a supervisor (counts, no file).
            let own = try await http.call(.get, "/v1/exposure", key: fixture.reviewer)
            #expect(own.json["reveals"] as? Int == 3 && own.json["reveals_left"] as? Int == 0 && own.json["at_limit"] as? Bool == true, "\(own.text)")
            #expect(own.json["seconds_revealed"] as? Int == 60 && own.json["eases_at"] is String)
            #expect(try await http.call(.get, "/v1/exposures", key: fixture.reviewer).status == 403)
            let everyone = try await http.call(.get, "/v1/exposures", key: fixture.admin)
            let counted = (everyone.json["exposures"] as? [[String: Any]] ?? []).compactMap { $0["reveals"] as? Int }.sorted()
            #expect(counted == [1, 3] && !everyone.text.contains(sha), "\(everyone.text)")
            let audit = try await fixture.service.audit.latestEvents(before: nil, limit: 10, filter: AuditFilter(action: "evidence.reveal"))
            #expect(audit.map(\.outcome).contains("ok: 0 of 3 reveals left this shift"), "\(audit.map(\.outcome))")
            #expect(audit.first?.outcome.hasPrefix("failed: ") == false)

            // In the dashboard the reveal redirects to a page that shows the file (post/redirect/get):
            // reloading it shows the file again without a second reveal, until the reveal is older
            // than reveal_seconds; the image also blurs again by itself then.
            var ana = try await Browser.signedIn(.reviewer, fixture: fixture, http: http)
            let first = try await ana.post("/cases/\(caseID)/evidence/\(sha)/reveal", [:])
            let location = try #require(first.headers[.location])
            #expect(first.status == 303 && location.hasPrefix("/cases/\(caseID)?shown=\(sha)"), "\(first.status) \(location)")
            let revealsBefore = try await fixture.service.media.reveals(sha).count
            let page = try await ana.get(location)
            #expect(page.text.contains("data:image") && page.text.contains(#"data-reblur-seconds="20""#))
            let reloaded = try await ana.get(location)
            let revealsAfter = try await fixture.service.media.reveals(sha).count
            #expect(reloaded.text.contains("data:image") && revealsAfter == revealsBefore, "a reload is not a reveal")
            fixture.clock.advance(by: 21)
            #expect(!(try await ana.get(location)).text.contains("data:image"), "past reveal_seconds the page shows the preview")
            #expect(!(try await Self.admin0(fixture, http).get(location)).text.contains("data:image"), "another person's reload shows nothing")
            _ = try await ana.post("/cases/\(caseID)/evidence/\(sha)/reveal", [:])
            _ = try await ana.post("/cases/\(caseID)/evidence/\(sha)/reveal", [:])
            let capped = try await ana.post("/cases/\(caseID)/evidence/\(sha)/reveal", [:])
            #expect(capped.status == 429 && capped.text.contains("reveals are paused") && capped.text.contains("Work that needs no image goes on"))
            #expect(!capped.text.contains("data:image"), "no image at the cap")

            // The supervisor sees each person's count and time, never a file.
            let admin = try await Browser.signedIn(.admin, fixture: fixture, http: http)
            let people = try await admin.get("/users")
            #expect(people.text.contains("Exposure this shift") && people.text.contains("none: paused"), "\(people.status)")
            #expect(!people.text.contains("data:image") && !people.text.contains(sha))
            let exposures = try await fixture.service.media.exposures()
            #expect(exposures.map(\.reveals).sorted() == [1, 3, 3], "\(exposures)")
        }
    }
}

/// The cap holds when one person's reveals race (the review of issue 30 had 20 parallel reveals
/// all pass a cap of 3): the count is taken in each reveal's own transaction, one at a time.
@Suite struct ExposureRaceTests {
    @Test(arguments: Backend.allCases)
    func parallelRevealsNeverPassTheCap(backend: Backend) async throws {
        var settings = ServerSettings()
        settings.exposure = ExposureBudget(revealsPerShift: 3, shiftHours: 8, revealSeconds: 20)
        let fixture = try await ServerFixture(backend, settings: settings)
        try await fixture.test { http in
            let (caseID, sha) = try await EvidenceTests.caseWithImage(fixture, http)
            let media = fixture.service.media
            let outcomes = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<12 {
                    group.addTask {
                        do {
                            _ = try await media.reveal(sha, caseID: Int64(caseID), actor: "user:racer", remote: nil)
                            return true
                        } catch { return false }
                    }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 3, "\(outcomes)")
            let seen = try await media.exposure(of: "user:racer")
            #expect(seen.reveals == 3 && seen.atLimit)
            // It eases when the oldest reveal leaves the shift: one more is allowed then.
            let eases = try #require(seen.easesAt)
            fixture.clock.advance(by: eases.timeIntervalSince(fixture.clock.now) + 1)
            _ = try await media.reveal(sha, caseID: Int64(caseID), actor: "user:racer", remote: nil)
        }
    }
}
