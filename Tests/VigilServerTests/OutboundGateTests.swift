import Banks
import Foundation
import Hummingbird
import HummingbirdTesting
import IntegrationClients
import Logging
import NIOCore
import Integrations
import SafeFetch
import Storage
import Testing
import VigilTestSupport

/// Issue 28, §1: nothing leaves Vigil except through the one gate. A server without
/// `--fetch-allow` and a canary on 127.0.0.1: every integration and step, at save, at test and at
/// use, makes no connection to it, and each refusal says which rule refused it.
@Suite struct OutboundGateTests {
    /// Public names the tests' resolver answers (nothing is ever sent to them).
    static let resolver = ScriptedResolver(["hooks.example": [["93.184.215.14"]], "partner.example": [["93.184.215.14"]]])

    /// The address rule's refusal, and the setting that would lift it.
    static func refusesLoopback(_ text: String?) -> Bool {
        guard let text else { return false }
        return text.contains("loopback") && text.contains("--fetch-allow")
    }

    /// Either rule's refusal: the address rule's, or a fixed service's "not one of its own hosts"
    /// (what a call checks before it resolves anything).
    static func refused(_ text: String?) -> Bool {
        guard let text else { return false }
        return refusesLoopback(text) || (text.contains("own hosts") && text.contains("--integration-endpoint"))
    }

    /// Saving: a credential aimed at the canary is refused, whoever saves it and however the
    /// address is written.
    @Test func noCredentialIsSavedForAnAddressTheRulesRefuse() async throws {
        let fixture = try await ServerFixture(policy: FetchPolicy(), resolver: Self.resolver)
        let canary = try await Canary.start()
        try await fixture.test { http in
            let target = canary.base
            let attempts: [(String, String)] = [
                ("photodna", #""endpoint": "\#(target)/photodna/v1.0", "subscription_key": "pdna-key-1""#),
                ("ncmec_cybertipline", #""username": "esp", "password": "pw-1", "endpoint": "\#(target)/ispws""#),
                ("ncmec_hash_sharing", #""username": "esp", "password": "pw-1", "endpoint": "\#(target)/hashsharing""#),
                ("vigil_remote", #""endpoint": "\#(target)", "api_key": "vgl_key""#),
                ("webhook", #""url": "\#(target)/hook", "signing_secret": "whsec-1""#),
            ]
            for (integration, values) in attempts {
                let saved = try await http.json(.post, "/v1/credentials", key: fixture.admin,
                                                #"{"integration": "\#(integration)", "values": {"nickname": "canary", \#(values)}}"#)
                #expect(saved.status == 422 && (saved.json["error"] as? [String: Any])?["code"] as? String == "destination_refused", "\(integration): \(saved.text)")
                #expect(Self.refusesLoopback(saved.errorMessage), "\(integration): \(saved.text)")
            }
            // The same address however it is written: the gate reads what the host resolves to.
            for url in ["http://localhost:\(canary.port)/hook", "http://[::1]:\(canary.port)/hook", "http://2130706433:\(canary.port)/hook",
                        "http://0x7f000001:\(canary.port)/hook", "http://127.1:\(canary.port)/hook"] {
                let saved = try await http.json(.post, "/v1/credentials", key: fixture.analyst,
                                                #"{"integration": "webhook", "values": {"nickname": "w", "url": "\#(url)", "signing_secret": "whsec-1"}}"#)
                #expect(saved.status == 422 || saved.status == 400, "\(url): \(saved.text)")
            }
            let refusedUser = try await http.json(.post, "/v1/credentials", key: fixture.admin,
                                                  #"{"integration": "webhook", "values": {"nickname": "w", "url": "http://user:pw@hooks.example/x", "signing_secret": "s"}}"#)
            #expect(refusedUser.status == 422 && refusedUser.errorMessage?.contains("user name or password") == true, "\(refusedUser.text)")
            // An HMA exchange's list, and a bank source's, pass the same rules.
            let set = try await http.json(.post, "/c/exchanges/api/ncmec", key: fixture.admin,
                                          #"{"credential_json": {"user": "esp", "password": "pw-1"}}"#)
            #expect(set.status == 200, "\(set.text)")
            let exchange = try await http.json(.post, "/c/exchanges", key: fixture.admin,
                                               #"{"bank": "NCMEC_X", "api": "ncmec", "api_json": {"environment": "\#(target)/hashsharing"}}"#)
            #expect(exchange.status == 422 && Self.refusesLoopback(exchange.text), "\(exchange.text)")
            #expect(try await fixture.service.banks.findBank(named: "NCMEC_X") == nil)
        }
        #expect(canary.connections == 0)
        try await canary.stop()
    }

    /// Credentials saved where the rules allowed and moved in storage afterwards (by an older
    /// version, or by a process started with another `--fetch-allow`): testing and every use
    /// refuse them before a connection is made.
    @Test func noStoredCredentialIsTestedOrUsedAtARefusedAddress() async throws {
        let fixture = try await ServerFixture(policy: FetchPolicy(), resolver: Self.resolver)
        let canary = try await Canary.start()
        try await fixture.test { http in
            func create(_ integration: String, _ values: String) async throws -> String {
                let saved = try await http.json(.post, "/v1/credentials", key: fixture.admin,
                                                #"{"integration": "\#(integration)", "values": {"nickname": "\#(integration)", \#(values)}}"#)
                try #require(saved.status == 201, "\(integration): \(saved.text)")
                return try #require(saved.json["id"] as? String)
            }
            let photoDNA = try await create("photodna", #""subscription_key": "pdna-key-1""#)
            let tipline = try await create("ncmec_cybertipline", #""username": "esp", "password": "pw-1", "environment": "production""#)
            let sharing = try await create("ncmec_hash_sharing", #""username": "esp", "password": "pw-1", "environment": "production""#)
            let remote = try await create("vigil_remote", #""endpoint": "https://partner.example", "api_key": "vgl_key""#)
            let hook = try await create("webhook", #""url": "https://hooks.example/x", "signing_secret": "whsec-1""#)
            for (bank, kind, id, extra) in [("NCMEC", "ncmec", sharing, ""), ("PARTNER", "vigil_remote", remote, #", "remote_bank": "SHARED""#)] {
                #expect(try await http.json(.post, "/v1/banks", key: fixture.admin, #"{"name": "\#(bank)"}"#).status == 201)
                let source = try await http.json(.put, "/v1/banks/\(bank)/source", key: fixture.admin, #"{"kind": "\#(kind)", "credential": "\#(id)"\#(extra)}"#)
                #expect(source.status == 200, "\(source.text)")
            }
            let subscribed = try await http.json(.post, "/v1/webhooks", key: fixture.analyst, #"{"credential": "\#(hook)", "event_types": ["case.created"]}"#)
            #expect(subscribed.status == 201, "\(subscribed.text)")

            // Moved where nothing may go.
            let store = SQLCredentialStore(database: fixture.database)
            for (id, field, path) in [(photoDNA, "endpoint", "/photodna/v1.0"), (tipline, "endpoint", "/ispws"), (sharing, "endpoint", "/hashsharing"),
                                      (remote, "endpoint", ""), (hook, "url", "/hook/services/T0KEN-in-path")] {
                var credential = try await fixture.service.credentials.find(id)
                credential.values[field] = canary.base + path
                #expect(try await store.update(credential))
            }

            // Test: a failed test that sent nothing, with the rule.
            for id in [photoDNA, tipline, sharing, remote, hook] {
                let tested = try await http.call(.post, "/v1/credentials/\(id)/test", key: fixture.admin)
                #expect(tested.status == 200 && tested.json["ok"] as? Bool == false, "\(tested.text)")
                #expect((tested.json["summary"] as? String)?.hasPrefix("Nothing was sent") == true && Self.refusesLoopback(tested.json["summary"] as? String),
                        "\(tested.text)")
            }

            // Use: the workflow steps that call out.
            let definition = #"""
                {"name": "outbound", "trigger": {"type": "api", "parameters": [{"name": "image_url", "type": "url", "required": true}]},
                 "steps": [
                   {"id": "lookup", "type": "action", "integration": "photodna", "operation": "match_lookup", "credential": "\#(photoDNA)",
                    "inputs": {"image_url": "{{ trigger.image_url }}", "value_format": "URL"}, "continue_on_error": true},
                   {"id": "notify", "type": "action", "action": "notify.webhook", "credential": "\#(hook)", "inputs": {"data": {"n": 1}},
                    "continue_on_error": true, "retry": {"attempts": 3, "backoff_seconds": 1}},
                   {"id": "deliver", "type": "action", "integration": "webhook", "operation": "deliver", "credential": "\#(hook)",
                    "inputs": {"event": {"type": "test"}}, "continue_on_error": true}]}
                """#
            let created = try await http.json(.post, "/v1/workflows", key: fixture.admin, definition)
            let workflow = try #require(created.json["id"] as? String, "\(created.text)")
            #expect(try await http.call(.post, "/v1/workflows/\(workflow)/publish", key: fixture.admin).status == 201)
            let started = try await WorkflowAPITests.start(workflow, #"{"image_url": "https://hooks.example/a.jpg"}"#, key: fixture.analyst, http)
            let run = try #require(started.json["id"] as? Int, "\(started.text)")

            // Use: the hash-list syncs, a webhook subscription's delivery, a CyberTipline report.
            for bank in ["NCMEC", "PARTNER"] { #expect(try await http.call(.post, "/v1/banks/\(bank)/sync", key: fixture.curator).status == 202) }
            #expect(try await http.json(.put, "/v1/report-settings", key: fixture.admin,
                                        #"{"esp_service": "ExampleApp", "reporter": {"email": "trust-safety@example.com"}}"#).status == 200)
            let (caseID, _) = try await EvidenceTests.caseWithImage(fixture, http)
            let drafted = try await http.json(.post, "/v1/cases/\(caseID)/reports", key: fixture.reviewer, "{}")
            let report = try #require(drafted.json["id"] as? Int, "\(drafted.text)")
            let approved = try await http.json(.post, "/v1/reports/\(report)/approve", key: fixture.reporter,
                                               #"{"version": \#(try #require(drafted.json["version"] as? Int))}"#)
            #expect(approved.status == 202, "\(approved.text)")
            var runs = 0
            while try await fixture.worker.runNext(now: fixture.clock.now.addingTimeInterval(3600)), runs < 200 { runs += 1 }

            let shown = try await http.call(.get, "/v1/workflow-runs/\(run)", key: fixture.admin)
            let steps = WorkflowAPITests.steps(shown)
            #expect(steps.count == 3, "\(shown.text)")
            for (step, record) in steps {
                #expect(record["status"] as? String == "failed" && Self.refused(record["error"] as? String), "\(step): \(record)")
                // Everyone who may read runs reads the error: a webhook URL's token is not in it.
                #expect((record["error"] as? String)?.contains("T0KEN") == false, "\(step): \(record)")
                // A refusal is not retried: asking again cannot change it.
                #expect(record["attempts"] as? Int == 1, "\(step): \(record)")
            }
            for bank in ["NCMEC", "PARTNER"] {
                let source = try await http.call(.get, "/v1/banks/\(bank)/source", key: fixture.admin)
                #expect(Self.refused(source.json["last_outcome"] as? String), "\(bank): \(source.text)")
            }
            let deliveries = try await http.call(.get, "/v1/webhooks/\(try #require(subscribed.json["id"] as? Int))/deliveries", key: fixture.analyst)
            #expect(Self.refusesLoopback(deliveries.text) && !deliveries.text.contains("T0KEN"), "\(deliveries.text)")
            let delivery = (deliveries.json["deliveries"] as? [[String: Any]])?.first
            #expect(delivery?["state"] as? String == "failed" && delivery?["attempts"] as? Int == 1, "\(deliveries.text)")
            let reported = try await http.call(.get, "/v1/reports/\(report)", key: fixture.reporter)
            #expect(reported.json["state"] as? String != "finished" && Self.refused(reported.text), "\(reported.text)")
        }
        #expect(canary.connections == 0)
        try await canary.stop()
    }

    /// A list peer that answers every page with `next` as given.
    /// With `next` nil, every page names a new one (`?page=N+1`), for ever.
    static func peer(next fixed: String?) async throws -> (base: String, stop: @Sendable () async -> Void) {
        let router = Router()
        @Sendable func nextPage(_ request: Request, _ path: String) -> String {
            fixed ?? "\(path)?page=\((Int(request.uri.queryParameters.get("page") ?? "0") ?? 0) + 1)"
        }
        router.get("v2/entries") { request, _ in
            let escaped = nextPage(request, "/v2/entries").replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            return Response(status: .ok, headers: [.contentType: "application/xml"], body: .init(byteBuffer: ByteBuffer(string: """
                <queryResult xmlns="https://hashsharing.ncmec.org/hashsharing/v2"><images count="0" maxTimestamp="2026-12-01T10:00:00Z"/>
                <paging><next>\(escaped)</next></paging></queryResult>
                """)))
        }
        router.get("v1/banks/{bank}/changes") { request, _ in
            let body = try JSONSerialization.data(withJSONObject: ["bank": "SHARED", "labels": [], "entries": [], "removed": [], "bank_deleted": false,
                                                                   "next": nextPage(request, "/v1/banks/SHARED/changes"), "checkpoint": "1"])
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        let (port, task) = try await LocalServer.start(router, label: "peer")
        return ("http://127.0.0.1:\(port)", { task.cancel(); _ = await task.result })
    }

    /// A list's `next` page stays on the list's origin: a peer answering `"next": "@host/x"` (which
    /// appended to the base made the host a user name and sent the bearer key to another host) or
    /// another origin is refused, even where the operator allowed loopback.
    @Test(arguments: ["@127.0.0.1:CANARY/x", "http://127.0.0.1:CANARY/v2/entries", "//127.0.0.1:CANARY/x", "/x\r\nHost: evil"])
    func aListsNextPageStaysOnItsOrigin(next: String) async throws {
        let fixture = try await ServerFixture()
        let canary = try await Canary.start()
        let peer = try await Self.peer(next: next.replacingOccurrences(of: "CANARY", with: String(canary.port)))
        try await fixture.test { http in
            let sharing = try await fixture.service.credentials.create(
                integration: "ncmec_hash_sharing", values: ["nickname": "peer", "username": "esp", "password": "pw-1", "endpoint": peer.base], mayRedirect: true)
            let remote = try await fixture.service.credentials.create(
                integration: "vigil_remote", values: ["nickname": "peer", "endpoint": peer.base, "api_key": "vgl_key"], mayRedirect: true)
            for (bank, kind, id, extra) in [("NCMEC", "ncmec", sharing.id, ""), ("PARTNER", "vigil_remote", remote.id, #", "remote_bank": "SHARED""#)] {
                #expect(try await http.json(.post, "/v1/banks", key: fixture.admin, #"{"name": "\#(bank)"}"#).status == 201)
                let source = try await http.json(.put, "/v1/banks/\(bank)/source", key: fixture.admin, #"{"kind": "\#(kind)", "credential": "\#(id)"\#(extra)}"#)
                #expect(source.status == 200, "\(source.text)")
                #expect(try await http.call(.post, "/v1/banks/\(bank)/sync", key: fixture.curator).status == 202)
            }
            var runs = 0
            while try await fixture.worker.runNext(now: fixture.clock.now.addingTimeInterval(3600)), runs < 50 { runs += 1 }
            for bank in ["NCMEC", "PARTNER"] {
                let source = try await http.call(.get, "/v1/banks/\(bank)/source", key: fixture.admin)
                let outcome = source.json["last_outcome"] as? String
                #expect(outcome?.contains("not under \(peer.base)") == true && outcome?.contains("not followed") == true, "\(bank): \(source.text)")
            }
        }
        await peer.stop()
        #expect(canary.connections == 0)
        try await canary.stop()
    }

    /// A peer that names a new page for ever (each `next` distinct) is followed for the sync's
    /// page limit, then stopped with the reason in words, on both kinds of list.
    @Test func aListThatNeverEndsIsFollowedForItsPageLimitOnly() async throws {
        let fixture = try await ServerFixture()
        let peer = try await Self.peer(next: nil)
        let remote = try await fixture.service.credentials.create(
            integration: "vigil_remote", values: ["nickname": "peer", "endpoint": peer.base, "api_key": "vgl_key"], mayRedirect: true)
        let sharing = try await fixture.service.credentials.create(
            integration: "ncmec_hash_sharing", values: ["nickname": "ncmec", "endpoint": peer.base, "username": "u", "password": "p"],
            mayRedirect: true)
        let feeds = HashSharingFeeds(credentials: fixture.service.credentials, gate: fixture.service.fetcher.gate, retry: .once, pageLimit: 5)
        for source in [BankSource(bankID: 1, kind: .vigilRemote, credentialID: remote.id, options: ["bank": "SHARED"]),
                       BankSource(bankID: 1, kind: .ncmec, credentialID: sharing.id)] {
            var pages = 0
            do {
                for try await _ in feeds.pages(for: source, now: fixture.clock.now) { pages += 1 }
                Issue.record("\(source.kind): a list that never ends ended")
            } catch {
                #expect(String(describing: error).contains("sent more than 5 pages in one sync"), "\(source.kind): \(error)")
            }
            #expect(pages == 5, "\(source.kind)")
        }
        await peer.stop()
        await fixture.database.close()
    }

    /// The review of issue 28: a peer that always answered the same `next` was followed 7 500
    /// times in 20 s. Both list feeds stop when a page comes back, and say so.
    @Test func aListThatPagesBackToAPageAlreadyReadStops() async throws {
        let fixture = try await ServerFixture()
        let peer = try await Self.peer(next: "/v1/banks/SHARED/changes?after=1")
        try await fixture.test { http in
            let remote = try await fixture.service.credentials.create(
                integration: "vigil_remote", values: ["nickname": "peer", "endpoint": peer.base, "api_key": "vgl_key"], mayRedirect: true)
            #expect(try await http.json(.post, "/v1/banks", key: fixture.admin, #"{"name": "PARTNER"}"#).status == 201)
            let source = try await http.json(.put, "/v1/banks/PARTNER/source", key: fixture.admin,
                                             #"{"kind": "vigil_remote", "credential": "\#(remote.id)", "remote_bank": "SHARED"}"#)
            #expect(source.status == 200, "\(source.text)")
            #expect(try await http.call(.post, "/v1/banks/PARTNER/sync", key: fixture.curator).status == 202)
            var runs = 0
            while try await fixture.worker.runNext(now: fixture.clock.now.addingTimeInterval(3600)), runs < 50 { runs += 1 }
            let outcome = try await http.call(.get, "/v1/banks/PARTNER/source", key: fixture.admin).json["last_outcome"] as? String
            #expect(outcome?.contains("paged back to \(peer.base)/v1/banks/SHARED/changes?after=1") == true, "\(outcome ?? "no outcome")")
        }
        await peer.stop()
    }
}
