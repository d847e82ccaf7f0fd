import Access
import Foundation
import HTTPTypes
import Testing
@testable import VigilServer
import Storage

/// Signing in and out: the cookie's flags, what a wrong password gets, the lockout, the limit
/// per address, key sign-in, and that nothing but the sign-in form is open.
@Suite struct SignInTests {
    @Test func aSignedInPersonGetsAStrictHttpOnlyCookieAndTheirPages() async throws {
        let fixture = try await ServerFixture()
        _ = try await fixture.service.users.create(name: "ada", role: .admin, password: Browser.password)
        try await fixture.test { http in
            var browser = Browser(http: http)
            let signIn = try await browser.post("/login", ["name": "ada", "password": Browser.password, "next": "/cases"])
            #expect(signIn.status == 303)
            #expect(signIn.headers[.location] == "/cases")
            let cookie = try #require(signIn.headers[values: .setCookie].first { $0.hasPrefix("vigil_session=") })
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Strict"))
            #expect(!cookie.contains("Secure"), "Secure only behind TLS")
            let home = try await browser.get("/")
            #expect(home.status == 200)
            #expect(home.text.contains("ada"))
            #expect(home.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
            // The secret itself is never stored: the sessions table holds a digest.
            let secret = try #require(browser.cookie)
            #expect(try await SQLUserStore(database: fixture.database).session(digest: secret) == nil)
            try await browser.readCSRF()
            let out = try await browser.post("/logout", [:])
            #expect(out.status == 303)
            browser.cookie = secret
            #expect(try await browser.get("/").status == 302, "a signed-out session opens nothing")
        }
    }

    @Test func anOpenRedirectIsNotOffered() async throws {
        #expect(SignInPages.next("https://evil.example/") == "/")
        #expect(SignInPages.next("//evil.example/x") == "/")
        #expect(SignInPages.next("/cases/3") == "/cases/3")
        #expect(SignInPages.next("/cases?queue=csam&page=2") == "/cases?queue=csam&page=2")
        // Issue 28: `next=/%09/host` arrived as "/\t/host", which a browser follows to //host.
        for offSite in ["/\t/evil.example", "/\n/evil.example", "/\r/evil.example", "/ /evil.example", "/\u{0B}/evil.example",
                        "/\u{200B}/evil.example", "/\\evil.example", "/\u{00A0}/evil.example"] {
            #expect(SignInPages.next(offSite) == "/", "\(offSite.debugDescription)")
        }
    }

    @Test func withoutASessionEveryPageButSignInSendsYouToSignIn() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            let browser = Browser(http: http)
            let page = try await browser.get("/cases?status=open")
            #expect(page.status == 302)
            #expect(page.headers[.location]?.hasPrefix("/login?next=") == true)
            #expect(try await browser.get("/login").status == 200)
            // The API still wants a key: a session cookie is not one.
            #expect(try await browser.get("/v1/cases").status == 401)
        }
    }

    @Test func wrongPasswordsLockTheNameAndSayNothingAboutWhichNamesExist() async throws {
        let fixture = try await ServerFixture()
        _ = try await fixture.service.users.create(name: "ada", role: .admin, password: Browser.password)
        try await fixture.test { http in
            var browser = Browser(http: http)
            let unknown = try await browser.post("/login", ["name": "nobody", "password": "whatever-whatever"])
            let wrong = try await browser.post("/login", ["name": "ada", "password": "whatever-whatever"])
            #expect(unknown.status == 401)
            #expect(wrong.status == 401)
            #expect(unknown.text.contains("the name or the password is wrong"))
            #expect(wrong.text.contains("the name or the password is wrong"))
            for _ in 0..<4 { _ = try await browser.post("/login", ["name": "ada", "password": "whatever-whatever"]) }
            let locked = try await browser.post("/login", ["name": "ada", "password": Browser.password])
            #expect(locked.status == 429, "five failures lock the name, even for the right password")
            #expect(locked.text.contains("too many failed sign-ins"))
            #expect(browser.cookie == nil)
            // Every refusal is in the audit log, naming who was tried and never the password
            // (issue 30: failed sign-ins were missing from it).
            let refusals = try await fixture.service.audit.latestEvents(before: nil, limit: 100, filter: AuditFilter(action: "dashboard.sign_in"))
            #expect(refusals.count == 7, "\(refusals)")
            #expect(refusals.contains { $0.target == "user:(unknown)" && $0.outcome == "refused: wrong name or password" && $0.actor == "anonymous" }, "a name that is no one's is not kept")
            #expect(refusals.contains { $0.target == "user:ada" && $0.outcome.contains("locked") })
            #expect(!refusals.contains { "\($0)".contains("whatever-whatever") || "\($0)".contains(Browser.password) })
        }
    }

    @Test func oneAddressIsLimitedAcrossNames() async throws {
        let limiter = SignInLimiter(attempts: 3, window: 60)
        let now = Date()
        for _ in 0..<3 { limiter.recordFailure(from: "10.0.0.1", at: now) }
        #expect(limiter.wait(for: "10.0.0.1", at: now) != nil)
        #expect(limiter.wait(for: "10.0.0.2", at: now) == nil)
        #expect(limiter.wait(for: "10.0.0.1", at: now.addingTimeInterval(61)) == nil, "the window passes")
    }

    @Test func anAPIKeySignsInWithItsRoleAndEndsWithIt() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            var browser = Browser(http: http)
            let bad = try await browser.post("/login", ["api_key": "vgl_nonsense"])
            #expect(bad.status == 401)
            #expect(bad.text.contains("This key is not valid"))
            #expect(bad.text.contains("<details open>"), "the key's error is shown, not folded away")
            let refused = try await fixture.service.audit.latestEvents(before: nil, limit: 10, filter: AuditFilter(action: "dashboard.sign_in"))
            #expect(refused.map(\.target) == ["api key"] && refused.first?.outcome == "refused: not a live key")
            #expect(!refused.contains { "\($0)".contains("vgl_nonsense") }, "the key typed is never recorded")
            #expect(try await browser.post("/login", ["api_key": fixture.viewer]).status == 303)
            #expect(try await browser.get("/cases").status == 200)
            #expect(try await browser.get("/audit").status == 403, "a viewer's key is a viewer")
            let viewerKey = try #require(try await fixture.service.keys.list().first { $0.label == "viewer" })
            _ = try await fixture.service.keys.revoke(id: viewerKey.id)
            #expect(try await browser.get("/cases").status == 302, "a revoked key's session is over")
        }
    }

    @Test func shortPasswordsAndBadNamesAreRefused() async throws {
        let fixture = try await ServerFixture()
        await #expect(throws: AccessError.self) { _ = try await fixture.service.users.create(name: "ada", role: .admin, password: "short") }
        await #expect(throws: AccessError.self) { _ = try await fixture.service.users.create(name: "Ada Lovelace!", role: .admin, password: Browser.password) }
        _ = try await fixture.service.users.create(name: "ada", role: .admin, password: Browser.password)
        await #expect(throws: AccessError.self) { _ = try await fixture.service.users.create(name: "ADA", role: .viewer, password: Browser.password) }
        await fixture.database.close()
    }
}
