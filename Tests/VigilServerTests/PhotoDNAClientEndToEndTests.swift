import Foundation
import HummingbirdTesting
import IntegrationClients
import Integrations
import SafeFetch
import Testing
import VigilTestSupport

/// Vigil's PhotoDNA client against Vigil's own PhotoDNA-compatible endpoint, both sides real:
/// what one Vigil answers, another reads, the same way it reads Microsoft's service.
@Suite struct PhotoDNAClientEndToEndTests {
    static func credential(port: Int, key: String) -> OpenedCredential {
        OpenedCredential(id: UUID().uuidString, integration: "photodna",
                         values: ["nickname": "other vigil", "endpoint": "http://127.0.0.1:\(port)/photodna/v1.0", "requests_per_second": "50"],
                         secrets: ["subscription_key": key])
    }

    @Test func theClientReadsVigilsPhotoDNAAnswers() async throws {
        let fixture = try await ServerFixture()
        let origin = try await OriginServer.start()
        let client = PhotoDNAClient(fetcher: SafeURLFetcher(policy: ServerFixture.loopbackOnly), retry: .once)
        try await fixture.test(.live) { http in
            let port = try #require(http.port)
            let credential = Self.credential(port: port, key: fixture.matcher)
            let expected = MatchLookupResult.Match(source: "TEST_BANK", violations: ["A1", "verified"], distance: 0,
                                                   matchID: String(fixture.entryIDs[0]))

            let byURL = try await client.match(.init(image: .url(origin.url("/demo-0.jpg"))), with: credential)
            #expect(byURL.result.isMatch && byURL.result.statusCode == 3000)
            #expect(byURL.result.matches.first?.source == expected.source && byURL.result.matches.first?.matchID == expected.matchID)
            #expect(byURL.result.matches.first?.distance == 0)
            #expect(byURL.result.trackingID?.hasPrefix("VGL_") == true)

            let inline = try await client.match(.init(image: .inlineFromURL(origin.url("/demo-0.jpg")), enhanced: true), with: credential)
            #expect(inline.result.isMatch && inline.result.matches.first?.matchID == expected.matchID)

            let unknown = try await client.match(.init(image: .inline(try Images.textured(width: 400, height: 300))), with: credential)
            #expect(!unknown.result.isMatch && unknown.result.matches.isEmpty)

            do {
                _ = try await client.match(.init(image: .url(origin.url("/missing.jpg"))), with: credential)
                Issue.record("a URL that answers 404 matched")
            } catch let error as PhotoDNAError {
                guard case .status(3002, _, let exception?, _) = error else { Issue.record("got \(error)"); return }
                #expect(exception.contains("404"))
            }
            do {
                _ = try await client.match(.init(image: .url(origin.url("/demo-0.jpg"))), with: Self.credential(port: port, key: "not-a-key"))
                Issue.record("a wrong key was accepted")
            } catch let error as PhotoDNAError {
                #expect(error == .unauthorized)
            }
        }
        try await origin.stop()
    }

    /// `POST /v1/credentials/{id}/test` makes the real call and says what it found; the secret
    /// never appears in the answer or the audit log.
    @Test func testingACredentialCallsTheServiceAndSaysWhatCameBack() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test(.live) { http in
            let port = try #require(http.port)
            func create(_ key: String) async throws -> String {
                let body = #"{"integration": "photodna", "values": {"nickname": "n-\#(key.suffix(6))", "endpoint": "http://127.0.0.1:\#(port)/photodna/v1.0", "subscription_key": "\#(key)"}}"#
                let created = try await http.json(.post, "/v1/credentials", key: fixture.admin, body)
                return try #require(created.json["id"] as? String, "\(created.text)")
            }
            let working = try await create(fixture.matcher)
            let tested = try await http.call(.post, "/v1/credentials/\(working)/test", key: fixture.admin)
            #expect(tested.status == 200 && tested.json["ok"] as? Bool == true, "\(tested.text)")
            let summary = try #require(tested.json["summary"] as? String)
            #expect(summary.contains("the subscription key works") && summary.contains("no match for the benign test image"), "\(summary)")
            #expect((tested.json["details"] as? [String: String])?["status_code"] == "3000")
            #expect(!tested.text.contains(fixture.matcher))

            let wrongKey = "wrong-subscription-key-1234"
            let refused = try await create(wrongKey)
            let failed = try await http.call(.post, "/v1/credentials/\(refused)/test", key: fixture.admin)
            #expect(failed.status == 200 && failed.json["ok"] as? Bool == false, "\(failed.text)")
            #expect((failed.json["summary"] as? String)?.contains("HTTP 401") == true)
            #expect(!failed.text.contains(wrongKey))

            #expect(try await http.call(.post, "/v1/credentials/\(working)/test", key: fixture.curator).status == 403)
            #expect(try await http.call(.post, "/v1/credentials/no-such-id/test", key: fixture.admin).status == 404)

            let audit = try await http.call(.get, "/v1/audit?action=credential.test", key: fixture.admin)
            let outcomes = (audit.json["events"] as? [[String: Any]])?.compactMap { $0["outcome"] as? String } ?? []
            #expect(outcomes.count == 3 && outcomes.first == "ok", "\(outcomes)")
            #expect(outcomes.dropFirst().allSatisfy { $0.hasPrefix("failed") })
            #expect(!audit.text.contains(wrongKey) && !audit.text.contains(fixture.matcher))
        }
    }

    /// The same `match_lookup` input through PhotoDNA (here: Vigil's PhotoDNA endpoint) and
    /// through the built-in banks gives the same answer: a workflow switches provider by one field.
    @Test func bothMatchLookupProvidersAnswerTheSameShape() async throws {
        let fixture = try await ServerFixture()
        let origin = try await OriginServer.start()
        let fetcher = SafeURLFetcher(policy: ServerFixture.loopbackOnly)
        try await fixture.test(.live) { http in
            let port = try #require(http.port)
            let photoDNA = PhotoDNAMatchLookup(client: PhotoDNAClient(fetcher: fetcher, retry: .once))
            let vigil = VigilMatchLookup(lookup: fixture.service.lookup, fetcher: fetcher)
            for format in [MatchLookupInput.ValueFormat.url, .inline] {
                let input = MatchLookupInput(image: .url(origin.url("/demo-0.jpg")), valueFormat: format)
                let remote = try await photoDNA.matchLookup(input, credential: Self.credential(port: port, key: fixture.matcher))
                let local = try await vigil.matchLookup(input, credential: nil)
                #expect(remote.isMatch && local.isMatch && remote.statusCode == 3000 && local.statusCode == 3000)
                #expect(remote.matches.map(\.source) == local.matches.map(\.source))
                #expect(remote.matches.map(\.matchID) == local.matches.map(\.matchID) && local.matches.first?.matchID == String(fixture.entryIDs[0]))
                #expect(remote.matches.map(\.distance) == local.matches.map(\.distance))
            }
            let none = try await vigil.matchLookup(MatchLookupInput(image: .bytes(try Images.textured(width: 300, height: 300))), credential: nil)
            #expect(!none.isMatch && none.matches.isEmpty)
            let onlyAllow = try await vigil.matchLookup(MatchLookupInput(image: .url(origin.url("/demo-0.jpg")), banks: ["ALLOW_BANK"]), credential: nil)
            #expect(!onlyAllow.isMatch)
            await #expect(throws: PhotoDNAError.self) {
                try await photoDNA.matchLookup(MatchLookupInput(image: .url(origin.url("/demo-0.jpg"))), credential: nil)
            }
        }
        try await origin.stop()
    }
}
