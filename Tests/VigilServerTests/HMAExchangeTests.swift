import Foundation
import NCMECMock
import PDQ
import Testing
import VigilTestSupport

/// HMA's exchange routes with HMA's shapes: an HMA client (ROOST Coop) sets NCMEC credentials,
/// creates an exchange, watches its fetch status, pauses and deletes it.
@Suite struct HMAExchangeTests {
    @Test func anHMAClientConfiguresAnNCMECExchange() async throws {
        let fixture = try await ServerFixture()
        let mock = HashSharingMock(pageSize: 2)
        var generator = HashGenerator(seed: 12)
        for i in 0..<3 { mock.put(.init(id: "x\(i)", timestamp: Date().addingTimeInterval(-600), pdq: generator.randomHash().hex)) }
        let running = try await mock.start()
        try await fixture.test { client in
            let apis = try await client.call(.get, "/c/exchanges/apis", key: fixture.matcher)
            #expect(apis.array as? [String] == ["ncmec", "vigil_remote"])
            let schema = try await client.call(.get, "/c/exchanges/api/ncmec/schema", key: fixture.matcher)
            let config = ((schema.json["config_schema"] as? [String: Any])?["fields"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
            let credentials = ((schema.json["credentials_schema"] as? [String: Any])?["fields"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
            #expect(config == ["environment", "interval_seconds"] && credentials == ["user", "password"], "\(schema.text)")
            #expect(try await client.call(.get, "/c/exchanges/api/nope/schema", key: fixture.matcher).status == 404)

            let before = try await client.call(.get, "/c/exchanges/api/ncmec", key: fixture.matcher)
            #expect(before.json["supports_authentification"] as? Bool == true && before.json["has_set_authentification"] as? Bool == false)
            let body = #"{"credential_json": {"user": "\#(mock.username)", "password": "\#(mock.password)"}}"#
            #expect(try await client.json(.post, "/c/exchanges/api/ncmec", key: fixture.curator, body).status == 403)
            let set = try await client.json(.post, "/c/exchanges/api/ncmec", key: fixture.admin, body)
            #expect(set.status == 200 && set.json["has_set_authentification"] as? Bool == true, "\(set.text)")
            #expect(!set.text.contains(mock.password))
            // The audit names the credential and its fields, never their values.
            let setAudit = try await client.call(.get, "/v1/audit?action=credential.set", key: fixture.admin)
            let outcome = (setAudit.json["events"] as? [[String: Any]])?.first?["outcome"] as? String
            #expect(outcome?.hasPrefix("ok: credential:") == true && outcome?.hasSuffix("changed nickname, password, username") == true, "\(setAudit.text)")
            #expect(!setAudit.text.contains(mock.password))

            // An exchange sends a stored credential where its config says: admins only, as a bank's source.
            let byCurator = try await client.json(.post, "/c/exchanges", key: fixture.curator,
                                                  #"{"bank": "NCMEC_X", "api": "ncmec", "api_json": {"environment": "https://collector.example"}}"#)
            #expect(byCurator.status == 403, "\(byCurator.text)")
            let noCredentials = try await client.json(.post, "/c/exchanges", key: fixture.admin,
                                                      #"{"bank": "PARTNER", "api": "vigil_remote", "api_json": {"remote_bank": "X"}}"#)
            #expect(noCredentials.status == 400 && noCredentials.text.contains("no credentials are set for vigil_remote"), "\(noCredentials.text)")
            let badName = try await client.json(.post, "/c/exchanges", key: fixture.admin, #"{"bank": "lower", "api": "ncmec"}"#)
            #expect(badName.status == 400 && badName.text.contains("must match"))
            let badAPI = try await client.json(.post, "/c/exchanges", key: fixture.admin, #"{"bank": "X", "api": "telepathy"}"#)
            #expect(badAPI.status == 400 && badAPI.text.contains("No such exchange type 'telepathy'"))
            let noEnvironment = try await client.json(.post, "/c/exchanges", key: fixture.admin, #"{"bank": "X", "api": "ncmec", "api_json": {}}"#)
            #expect(noEnvironment.status == 400 && noEnvironment.text.contains("environment is required"))

            let created = try await client.json(.post, "/c/exchanges", key: fixture.admin,
                                                #"{"bank": "NCMEC_X", "api": "ncmec", "api_json": {"environment": "\#(running.base)"}}"#)
            #expect(created.status == 201 && created.json["message"] as? String == "Created successfully", "\(created.text)")
            #expect(try await client.call(.get, "/c/exchanges", key: fixture.matcher).array as? [String] == ["NCMEC_X"])
            let shown = try await client.call(.get, "/c/exchange/NCMEC_X", key: fixture.matcher)
            #expect(shown.json["api"] as? String == "ncmec" && shown.json["enabled"] as? Bool == true && shown.json["environment"] as? String == running.base)

            let fresh = try await client.call(.get, "/c/exchange/NCMEC_X/status", key: fixture.matcher)
            #expect(fresh.json["fetched_items"] as? Int == 0 && fresh.json["last_fetch_succeeded"] is NSNull, "\(fresh.text)")
            // The schedule queues the first fetch at once; the worker runs it.
            #expect(try await fixture.service.bankSync.queueDue().count == 1)
            try await fixture.runJobs()
            let fetched = try await client.call(.get, "/c/exchange/NCMEC_X/status", key: fixture.matcher)
            #expect(fetched.json["fetched_items"] as? Int == 3 && fetched.json["last_fetch_succeeded"] as? Bool == true, "\(fetched.text)")
            #expect(fetched.json["checkpoint_ts"] is Double || fetched.json["checkpoint_ts"] is Int)
            #expect(fetched.json["up_to_date"] as? Bool == true && fetched.json["running_fetch_start_ts"] is NSNull)

            let paused = try await client.json(.put, "/c/exchange/NCMEC_X", key: fixture.curator, #"{"enabled": false}"#)
            #expect(paused.status == 200 && paused.json["enabled"] as? Bool == false)
            #expect(try await fixture.service.bankSync.queueDue(at: Date().addingTimeInterval(86_400)).isEmpty)

            let deleted = try await client.call(.delete, "/c/exchange/NCMEC_X", key: fixture.curator)
            #expect(deleted.status == 200 && deleted.json["message"] as? String == "Exchange deleted")
            #expect(try await client.call(.get, "/c/bank/NCMEC_X", key: fixture.matcher).status == 404)
            #expect(try await client.call(.get, "/c/exchange/NCMEC_X", key: fixture.matcher).status == 404)

            let cleared = try await client.json(.post, "/c/exchanges/api/ncmec", key: fixture.admin, #"{"credential_json": {}}"#)
            #expect(cleared.json["has_set_authentification"] as? Bool == false)
            let audit = try await client.call(.get, "/v1/audit?limit=1000", key: fixture.admin)
            #expect(!audit.text.contains(mock.password))
        }
        await running.stop()
    }
}
