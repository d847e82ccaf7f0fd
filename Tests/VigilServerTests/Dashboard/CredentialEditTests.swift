import Access
import Foundation
import Integrations
import Testing
@testable import VigilServer

/// Editing a credential in the dashboard (issue 30 §5): a key is rotated without deleting the
/// credential; a refused save names every problem at its field, in words, and keeps what was
/// typed except the secrets, saying so.
@Suite struct CredentialEditTests {
    @Test func aKeyIsRotatedInPlaceAndARefusedSaveNamesEveryProblemAndKeepsNoSecret() async throws {
        let fixture = try await ServerFixture()
        let credential = try await fixture.service.credentials.create(integration: "photodna", values: ["nickname": "prod", "subscription_key": "old-key-1234"],
                                                                      mayRedirect: true)
        try await fixture.test { http in
            var analyst = try await Browser.signedIn(.analyst, fixture: fixture, http: http)
            let form = try await analyst.get("/credentials/\(credential.id)/edit")
            #expect(form.status == 200)
            #expect(form.text.contains(#"value="prod""#) && !form.text.contains("old-key-1234"), "values shown, the secret never")
            #expect(form.text.contains("leave empty to keep it"))

            // Two problems at once, each at its field; what was typed stays, the secret does not.
            let refused = try await analyst.post("/credentials/\(credential.id)", ["nickname": "prod renamed", "requests_per_second": "-3",
                                                                                "endpoint": "ftp://nowhere", "subscription_key": "typed-secret-9876"])
            #expect(refused.status == 422, "\(refused.text.prefix(300))")
            #expect(refused.text.contains("is not an integer from 1 to 1000") && refused.text.contains("is not an http(s) URL"), "every problem")
            #expect(refused.text.contains(#"value="prod renamed""#), "what was typed is kept")
            #expect(!refused.text.contains("typed-secret-9876") && refused.text.contains("type them again"), "the secret is not")
            let unchanged = try await fixture.service.credentials.show(id: credential.id)
            #expect(unchanged.values["nickname"] == "prod", "a refused save changes nothing")

            // The key rotated, the nickname kept: the same credential, what uses it unchanged.
            let rotated = try await analyst.post("/credentials/\(credential.id)", ["subscription_key": "new-key-5678"])
            #expect(rotated.status == 303, "\(rotated.text.prefix(300))")
            let opened = try await fixture.service.credentials.open(id: credential.id)
            #expect(try opened.secret("subscription_key") == "new-key-5678" && opened.values["nickname"] == "prod")
            let audit = try await fixture.service.audit.latestEvents(before: nil, limit: 5, filter: AuditFilter(action: "credential.update"))
            #expect(audit.first?.outcome == "ok: changed subscription_key" && audit.first?.target == "credential:\(credential.id)", "\(audit)")
            #expect(!audit.contains { "\($0)".contains("new-key-5678") })
        }
    }
}
