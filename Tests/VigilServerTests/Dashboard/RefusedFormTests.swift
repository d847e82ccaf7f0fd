import Access
import Foundation
import HummingbirdTesting
import Testing
import VigilTestSupport
@testable import VigilServer

/// Post/redirect/get for refused forms (issue 30 §3: "Back after a refused form asks to
/// resend"): the refusal redirects to a GET that shows the refused page to the session that
/// posted it, for minutes; a reload shows it again and posts nothing.
@Suite struct RefusedFormTests {
    @Test(arguments: Backend.allCases)
    func aRefusedFormRedirectsToItsPageWhichAReloadShowsAgainAndNoOneElseSees(backend: Backend) async throws {
        let fixture = try await ServerFixture(backend)
        try await fixture.test { http in
            var admin = try await Browser.signedIn(.admin, fixture: fixture, http: http)
            let usersBefore = try await fixture.service.users.list().count
            let refused = try await admin.postOnly("/users", ["name": "nadia", "role": "reviewer", "password": "short", "confirm": "short"])
            let location = try #require(refused.headers[.location])
            #expect(refused.status == 303 && location.hasPrefix("/refused/"), "\(refused.status) \(refused.text.prefix(200))")
            let shown = try await admin.get(location)
            #expect(shown.status == 422 && shown.text.contains("At least") && shown.text.contains(#"value="nadia""#), "what was typed comes back")
            #expect(!shown.text.contains("short\""), "a password is never kept")
            let reloaded = try await admin.get(location)
            #expect(reloaded.status == 422 && reloaded.text == shown.text)
            #expect(try await fixture.service.users.list().count == usersBefore, "nothing was posted again")
            // Another session, even of an admin, does not see it; nor anyone once it is old.
            let other = try await Browser.signedIn(.admin, fixture: fixture, http: http)
            #expect(try await other.get(location).status == 404)
            fixture.clock.advance(by: RefusedPage.lifetime + 1)
            let gone = try await admin.get(location)
            #expect(gone.status == 404 && gone.text.contains("kept for 10 minutes"), "\(gone.text.prefix(300))")
            // A refused form whose page was a conflict or a refusal goes the same way.
            let badKey = try await admin.postOnly("/keys/999999/revoke", [:])
            #expect(badKey.status == 303 && badKey.headers[.location]?.hasPrefix("/refused/") == true, "\(badKey.status)")
        }
    }

    /// The review found a session could fill the disk with refusals, and a NUL in a form broke
    /// the kept page (PostgreSQL refused it: a 500; SQLite cut it short).
    @Test(arguments: Backend.allCases)
    func aSessionKeepsItsLatestFewAndAPageWithANulIsAnsweredAsItIs(backend: Backend) async throws {
        let fixture = try await ServerFixture(backend)
        try await fixture.test { http in
            var admin = try await Browser.signedIn(.admin, fixture: fixture, http: http)
            var locations: [String] = []
            for attempt in 0..<(RefusedPage.perSession + 2) {
                let refused = try await admin.postOnly("/users", ["name": "n\(attempt)", "role": "nonsense"])
                locations.append(try #require(refused.headers[.location]))
            }
            #expect(try await admin.get(locations[0]).status == 404, "the oldest went first")
            #expect(try await admin.get(try #require(locations.last)).status == 422)
            let nul = try await admin.postOnly("/users", ["name": "ab\u{0}cd", "role": "nonsense"])
            #expect(nul.status == 422 && nul.headers[.location] == nil, "\(nul.status)")
            // Signing out drops the session's pages.
            let kept = try #require(locations.last)
            _ = try await admin.post("/logout", [:])
            let token = String(kept.dropFirst("/refused/".count))
            let left = try await fixture.database.run { sql in
                try await sql.raw("SELECT COUNT(*) AS n FROM refused_pages WHERE token = \(bind: token)").first()?.decode(column: "n", as: Int.self)
            }
            #expect(left == 0)
        }
    }

    /// A form larger than a form can be is 413 in words, not a server error (found by the review).
    @Test func aFormTooLargeIsRefusedInWords() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            var admin = try await Browser.signedIn(.admin, fixture: fixture, http: http)
            let huge = try await admin.post("/users", ["name": String(repeating: "n", count: FormFields.limit + 10), "role": "reviewer"])
            #expect(huge.status == 413 && huge.text.contains("larger than"), "\(huge.status) \(huge.text.prefix(300))")
        }
    }

    @Test func theSignInFormAndPagesWithAnImageAreAnsweredAsTheyAre() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            var anonymous = Browser(http: http)
            let wrong = try await anonymous.postOnly("/login", ["name": "nobody", "password": "wrong password here"])
            #expect(wrong.status != 303 && wrong.status >= 400, "no session: nothing kept, the page answers")
        }
        #expect(!RefusedPage.mayKeep(#"<img src="data:image/jpeg;base64,AAAA">"#), "a page inlining an image is never written down")
        #expect(RefusedPage.mayKeep("<p>Choose a role.</p>"))
        #expect(!RefusedPage.mayKeep(String(repeating: "x", count: RefusedPage.maxBytes + 1)))
    }
}
