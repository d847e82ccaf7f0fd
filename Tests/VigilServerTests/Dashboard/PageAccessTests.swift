import Access
import Cases
import Foundation
import HTTPTypes
import Testing
@testable import VigilServer

/// The dashboard's half of the role matrix: every page and button has one rule, every rule is a
/// page, every role without the permission is refused by the server (whatever the page shows),
/// a form without its CSRF token or from another origin is refused, and the templates hide what
/// a role may not press.
@Suite struct PageAccessTests {
    static func pages(_ fixture: ServerFixture) -> Set<String> {
        let all = VigilRouter.build(service: fixture.service, accessLogger: .init(label: "test"))
        let api = VigilRouter.build(service: fixture.service, accessLogger: .init(label: "test"), dashboard: false)
        let apiRoutes = Set(api.routes.map { "\($0.method.rawValue) \($0.path.description)" })
        return Set(all.routes.map { "\($0.method.rawValue) \($0.path.description)" }).subtracting(apiRoutes)
    }

    @Test func everyPageHasOneRuleAndEveryRuleIsAPage() async throws {
        let fixture = try await ServerFixture()
        let pages = Self.pages(fixture)
        await fixture.database.close()
        let ruled = Set(PageAccess.rules.keys)
        #expect(pages.subtracting(ruled).sorted() == [], "pages without an access rule")
        #expect(ruled.subtracting(pages).sorted() == [], "rules for pages that do not exist")
        #expect(pages.count > 40)
    }

    @Test func everyPageRefusesEveryRoleWithoutItsPermission() async throws {
        let fixture = try await ServerFixture()
        let pages = Self.pages(fixture).sorted()
        try await fixture.test { http in
            var checked = 0
            for role in Role.allCases {
                var browser = try await Browser.signedIn(role, fixture: fixture, http: http)
                for page in pages {
                    let parts = page.split(separator: " ", maxSplits: 1).map(String.init)
                    let rule = try #require(PageAccess.rule(method: parts[0], path: parts[1]))
                    guard case let .permission(permission) = rule, !role.may(permission) else { continue }
                    let path = RoleMatrixTests.concrete(parts[1])
                    let reply = parts[0] == "GET" ? try await browser.get(path) : try await browser.post(path, [:])
                    #expect(reply.status == 403, "\(role.rawValue) \(page) → \(reply.status)")
                    #expect(reply.text.contains(permission.rawValue), "the refusal names what is needed")
                    checked += 1
                }
            }
            #expect(checked > 100)
        }
    }

    @Test func aFormWithoutItsTokenOrFromAnotherOriginIsRefused() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            var browser = try await Browser.signedIn(.curator, fixture: fixture, http: http)
            let missing = try await browser.post("/banks", ["name": "NO_TOKEN"], csrf: .some(nil))
            #expect(missing.status == 403)
            #expect(missing.text.contains("security token"))
            let wrong = try await browser.post("/banks", ["name": "WRONG_TOKEN"], csrf: "0000")
            #expect(wrong.status == 403)
            let foreign = try await browser.post("/banks", ["name": "FOREIGN"], origin: "https://evil.example")
            #expect(foreign.status == 403)
            #expect(try await fixture.service.banks.findBank(named: "NO_TOKEN") == nil)
            #expect(try await fixture.service.banks.findBank(named: "WRONG_TOKEN") == nil)
            #expect(try await fixture.service.banks.findBank(named: "FOREIGN") == nil)
            let made = try await browser.post("/banks", ["name": "WITH_TOKEN", "kind": "match", "threshold": "31"])
            #expect(made.status == 303)
            #expect(try await fixture.service.banks.findBank(named: "WITH_TOKEN") != nil)
        }
    }

    @Test func aViewerSeesNoButtonItMayNotPress() async throws {
        let fixture = try await ServerFixture()
        let opened = try await fixture.service.cases.open(NewCase(title: "buttons"), actor: "test")
        try await fixture.test { http in
            let viewer = try await Browser.signedIn(.viewer, fixture: fixture, http: http)
            let page = try await viewer.get("/cases/\(opened.case.id)")
            #expect(page.status == 200)
            for button in ["decide-confirm", "decide-escalate", "draft-report", "Add comment"] { #expect(!page.text.contains(button), "\(button) shown to a viewer") }
            let reviewer = try await Browser.signedIn(.reviewer, fixture: fixture, http: http)
            let reviewerPage = try await reviewer.get("/cases/\(opened.case.id)")
            for button in ["decide-confirm", "decide-escalate", "draft-report"] { #expect(reviewerPage.text.contains(button), "\(button) hidden from a reviewer") }
            #expect(!reviewerPage.text.contains("approve-report"))
        }
    }
}
