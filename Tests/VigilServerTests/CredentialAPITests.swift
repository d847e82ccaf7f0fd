import Foundation
import Testing
import VigilTestSupport

/// `/v1/integrations`, `/v1/credentials` and `/v1/audit` over the running router.
@Suite struct CredentialAPITests {
    static let secret = "sk-photodna-4c1d8e0a9b77"

    @Test func theCatalogueDeclaresEachIntegrationsFields() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { client in
            let list = try await client.call(.get, "/v1/integrations", key: fixture.matcher)
            let ids = (list.json["integrations"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
            #expect(ids == ["photodna", "vigil", "ncmec_hash_sharing", "ncmec_cybertipline", "vigil_remote", "webhook", "slack", "teams"])
            let photodna = try await client.call(.get, "/v1/integrations/photodna", key: fixture.matcher)
            let fields = try #require(photodna.json["credential_fields"] as? [[String: Any]])
            let key = try #require(fields.first { $0["name"] as? String == "subscription_key" })
            #expect(key["secret"] as? Bool == true && key["required"] as? Bool == true)
            let operations = try #require(photodna.json["operations"] as? [[String: Any]])
            #expect(operations.first?["id"] as? String == "match_lookup")
            #expect(try await client.call(.get, "/v1/integrations/telepathy", key: fixture.matcher).status == 404)
        }
    }

    /// The secret goes in once and never comes out: not in the create answer, not in a list, a
    /// show, an update answer or the audit log; every change is audited with its actor and outcome.
    @Test func credentialsAreAdminOnlyWriteOnlyAndAudited() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { client in
            let body = #"{"integration": "photodna", "values": {"nickname": "prod", "subscription_key": "\#(Self.secret)", "requests_per_second": 8}}"#
            #expect(try await client.json(.post, "/v1/credentials", key: fixture.curator, body).status == 403)
            let created = try await client.json(.post, "/v1/credentials", key: fixture.admin, body)
            #expect(created.status == 201, "\(created.text)")
            #expect(!created.text.contains(Self.secret))
            #expect((created.json["secrets"] as? [String: String])?["subscription_key"] == "••••9b77")
            #expect((created.json["values"] as? [String: String])?["requests_per_second"] == "8")
            let id = try #require(created.json["id"] as? String)

            let bad = try await client.json(.post, "/v1/credentials", key: fixture.admin,
                                            #"{"integration": "photodna", "values": {"nickname": "x"}}"#)
            #expect(bad.status == 400 && bad.errorMessage == "subscription_key is required")

            let listed = try await client.call(.get, "/v1/credentials", key: fixture.admin)
            let shown = try await client.call(.get, "/v1/credentials/\(id)", key: fixture.admin)
            let renamed = try await client.json(.patch, "/v1/credentials/\(id)", key: fixture.admin, #"{"values": {"nickname": "main"}}"#)
            #expect(renamed.status == 200 && (renamed.json["nickname"] as? String) == "main")
            for reply in [listed, shown, renamed] { #expect(reply.status == 200 && !reply.text.contains(Self.secret)) }

            #expect(try await client.call(.delete, "/v1/credentials/\(id)", key: fixture.admin).status == 200)
            #expect(try await client.call(.get, "/v1/credentials/\(id)", key: fixture.admin).status == 404)

            let audit = try await client.call(.get, "/v1/audit?target=credential:\(id)", key: fixture.admin)
            let events = try #require(audit.json["events"] as? [[String: Any]])
            #expect(events.map { $0["action"] as? String } == ["credential.create", "credential.update", "credential.delete"])
            #expect(events.allSatisfy { ($0["actor"] as? String)?.hasPrefix("key:") == true })
            // An update names the fields it changed, never their values.
            #expect(events.map { $0["outcome"] as? String } == ["ok", "ok: changed nickname", "ok"])
            let failed = try await client.call(.get, "/v1/audit?action=credential.create", key: fixture.admin)
            let outcomes = (failed.json["events"] as? [[String: Any]])?.compactMap { $0["outcome"] as? String }
            #expect(outcomes == ["ok", "failed: subscription_key is required"])
            let everything = try await client.call(.get, "/v1/audit?limit=1000", key: fixture.admin)
            #expect(!everything.text.contains(Self.secret))
            #expect(try await client.call(.get, "/v1/audit", key: fixture.curator).status == 403)
            #expect(try await client.call(.get, "/v1/audit?limit=0", key: fixture.admin).status == 400)
        }
    }

    /// Issue 29: a workflow author picks a credential by its nickname, so two of one integration
    /// never share one (whatever its case); another integration may use it.
    @Test func nicknamesAreUniqueWithinAnIntegration() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { client in
            func create(_ nickname: String) async throws -> Reply {
                try await client.json(.post, "/v1/credentials", key: fixture.admin,
                                      #"{"integration": "photodna", "values": {"nickname": "\#(nickname)", "subscription_key": "s3cret-value"}}"#)
            }
            #expect(try await create("prod").status == 201)
            let twin = try await create("Prod")
            #expect(twin.status == 409 && twin.errorCode == "nickname_taken", "\(twin.text)")
            #expect(twin.errorMessage == #"nickname: "Prod" is already the name of another Microsoft PhotoDNA Cloud Service credential: choose another"#)
            let webhook = try await client.json(.post, "/v1/credentials", key: fixture.admin,
                                                #"{"integration": "webhook", "values": {"nickname": "prod", "url": "https://93.184.215.14/hook", "signing_secret": "whsec-1"}}"#)
            #expect(webhook.status == 201, "\(webhook.text)")
            let other = try await create("staging")
            let id = try #require(other.json["id"] as? String)
            let renamed = try await client.json(.patch, "/v1/credentials/\(id)", key: fixture.admin, #"{"values": {"nickname": "PROD"}}"#)
            #expect(renamed.status == 409 && renamed.errorCode == "nickname_taken")
            #expect(try await client.json(.patch, "/v1/credentials/\(id)", key: fixture.admin, #"{"values": {"nickname": "staging"}}"#).status == 200)
        }
    }

    /// Key and bank administration are audited too.
    /// Issue 28's escalation: an analyst moved an NCMEC credential's endpoint to their own
    /// server and pressed test. Moving one takes the admin role and the password again; the
    /// audit names what changed, never the values; an HMA API's credentials follow the same rule.
    @Test func onlyAnAdminWhoKnowsTheSecretMovesACredential() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { client in
            let created = try await client.json(.post, "/v1/credentials", key: fixture.analyst,
                                                #"{"integration": "ncmec_cybertipline", "values": {"nickname": "ncmec", "username": "esp", "password": "pw-0123456789", "environment": "production"}}"#)
            let id = try #require(created.json["id"] as? String, "\(created.text)")
            let collector = "http://127.0.0.1:9/ispws"
            let moved = try await client.json(.patch, "/v1/credentials/\(id)", key: fixture.analyst, #"{"values": {"endpoint": "\#(collector)"}}"#)
            #expect(moved.status == 403 && moved.errorMessage?.contains("only an admin") == true, "\(moved.text)")
            let renamedUser = try await client.json(.patch, "/v1/credentials/\(id)", key: fixture.analyst,
                                                    #"{"values": {"username": "other", "password": "pw-0123456789"}}"#)
            #expect(renamedUser.status == 403, "\(renamedUser.text)")
            let madeElsewhere = try await client.json(.post, "/v1/credentials", key: fixture.analyst,
                                                      #"{"integration": "ncmec_cybertipline", "values": {"nickname": "x", "username": "esp", "password": "pw-1", "endpoint": "\#(collector)"}}"#)
            #expect(madeElsewhere.status == 403, "\(madeElsewhere.text)")
            let withoutSecret = try await client.json(.patch, "/v1/credentials/\(id)", key: fixture.admin, #"{"values": {"endpoint": "\#(collector)"}}"#)
            #expect(withoutSecret.status == 400 && withoutSecret.errorMessage?.contains("password") == true, "\(withoutSecret.text)")
            let byAdmin = try await client.json(.patch, "/v1/credentials/\(id)", key: fixture.admin,
                                                #"{"values": {"endpoint": "\#(collector)", "password": "pw-new-4455667788"}}"#)
            #expect(byAdmin.status == 200, "\(byAdmin.text)")
            let audit = try await client.call(.get, "/v1/audit?target=credential:\(id)", key: fixture.admin)
            let outcomes = (audit.json["events"] as? [[String: Any]])?.compactMap { $0["outcome"] as? String } ?? []
            #expect(outcomes.contains("ok: changed password, endpoint"), "\(outcomes)")
            #expect(!audit.text.contains("127.0.0.1:9") && !audit.text.contains("pw-new"))
            // A rotation of the secret alone moves nothing: an analyst may do it.
            #expect(try await client.json(.patch, "/v1/credentials/\(id)", key: fixture.analyst, #"{"values": {"password": "pw-rotated-1"}}"#).status == 200)

            // HMA's vigil_remote API keeps the endpoint in its credential: setting it is the same move.
            let hma = try await client.json(.post, "/c/exchanges/api/vigil_remote", key: fixture.analyst,
                                            #"{"credential_json": {"endpoint": "http://127.0.0.1:9", "api_key": "vgl_x"}}"#)
            #expect(hma.status == 200, "\(hma.text)")
            let redirected = try await client.json(.post, "/c/exchanges/api/vigil_remote", key: fixture.analyst,
                                                   #"{"credential_json": {"endpoint": "http://127.0.0.1:10", "api_key": "vgl_x"}}"#)
            #expect(redirected.status == 403, "\(redirected.text)")
        }
    }

    @Test func keyAndBankAdministrationIsAudited() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { client in
            #expect(try await client.json(.post, "/v1/banks", key: fixture.curator, #"{"name": "AUDITED"}"#).status == 201)
            #expect(try await client.call(.delete, "/v1/banks/AUDITED", key: fixture.curator).status == 200)
            let key = try await client.json(.post, "/v1/keys", key: fixture.admin, #"{"role": "matcher", "label": "temp"}"#)
            let keyID = try #require(key.json["id"] as? Int)
            #expect(try await client.call(.delete, "/v1/keys/\(keyID)", key: fixture.admin).status == 200)
            let audit = try await client.call(.get, "/v1/audit", key: fixture.admin)
            let actions = (audit.json["events"] as? [[String: Any]])?.compactMap { $0["action"] as? String }
            #expect(actions == ["bank.create", "bank.delete", "key.create", "key.revoke"])
            // The new key's secret is in the answer that created it, never in the log.
            let secret = try #require(key.json["secret"] as? String)
            #expect(!audit.text.contains(secret))
        }
    }
}
