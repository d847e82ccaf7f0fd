import Foundation
import IntegrationClients
import Integrations
import SafeFetch
import Testing

/// Each integration's credential test against a scripted service: the call it makes, and the
/// outcome in words for a working and for a refused credential.
@Suite struct CredentialProbeTests {
    /// The scripted services listen on loopback: the operator's `--fetch-allow 127.0.0.0/8`.
    static let fetcher = SafeURLFetcher(policy: FetchPolicy(allow: IPRange("127.0.0.1/32").map { [$0] } ?? []))
    static var gate: OutboundGate { fetcher.gate }
    static func ncmec(_ integration: String, _ server: ScriptedServer, password: String = "hunter2-correct-horse") -> OpenedCredential {
        OpenedCredential(id: "c1", integration: integration,
                         values: ["nickname": "mock", "environment": "test", "username": "esp-user", "endpoint": server.base],
                         secrets: ["password": password])
    }

    static func run(_ replies: [ScriptedServer.Reply], paths: [String],
                    _ body: (ScriptedServer) async throws -> Void) async throws {
        let server = try await ScriptedServer.start(replies, paths: paths)
        do { try await body(server) } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test func theCyberTiplineStatusCallNamesTheUserNCMECSees() async throws {
        let status = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <reportResponse><responseCode>0</responseCode><responseDescription>Remote User : esp-user, Remote Ip : 127.0.0.1</responseDescription></reportResponse>
            """
        try await Self.run([ScriptedServer.Reply(status: 200, headers: ["Request-ID": "req-77"], body: status)], paths: ["status"]) { server in
            let result = await NCMECProbe(.cyberTipline, gate: Self.gate).probe(Self.ncmec("ncmec_cybertipline", server))
            #expect(result.ok, "\(result.summary)")
            #expect(result.summary.contains("Remote User : esp-user"))
            #expect(result.details["request_id"] == "req-77" && result.details["response_code"] == "0")
            let sent = try #require(server.received.first)
            #expect(sent.uri == "/status")
            #expect(sent.header("Authorization") == "Basic " + Data("esp-user:hunter2-correct-horse".utf8).base64EncodedString())
        }
    }

    @Test func aRefusedNCMECPasswordIsSaidSoAndNeverShown() async throws {
        try await Self.run([ScriptedServer.Reply(status: 401)], paths: ["status"]) { server in
            let result = await NCMECProbe(.cyberTipline, gate: Self.gate).probe(Self.ncmec("ncmec_cybertipline", server))
            #expect(!result.ok)
            #expect(result.summary.contains("refused the user name or password"), "\(result.summary)")
            #expect(!result.summary.contains("hunter2"))
        }
        let failing = #"<reportResponse><responseCode>3000</responseCode><responseDescription>User is not authorized</responseDescription></reportResponse>"#
        try await Self.run([ScriptedServer.Reply(status: 200, body: failing)], paths: ["status"]) { server in
            let result = await NCMECProbe(.cyberTipline, gate: Self.gate).probe(Self.ncmec("ncmec_cybertipline", server))
            #expect(!result.ok && result.summary.contains("code 3000: User is not authorized"), "\(result.summary)")
        }
    }

    @Test func hashSharingIsTestedWithAOneSecondWindow() async throws {
        let page = """
            <queryResult xmlns="https://hashsharing.ncmec.org/hashsharing/v2"><images count="1" maxTimestamp="2026-12-01T10:00:00Z">
            <image><member id="42">Example</member><timestamp>2026-12-01T10:00:00Z</timestamp><id>image1</id>
            <fingerprints><md5>0123456789abcdef0123456789abcdef</md5></fingerprints></image></images></queryResult>
            """
        try await Self.run([ScriptedServer.Reply(status: 200, body: page)], paths: ["v2/entries"]) { server in
            let result = await NCMECProbe(.hashSharing, gate: Self.gate).probe(Self.ncmec("ncmec_hash_sharing", server))
            #expect(result.ok, "\(result.summary)")
            #expect(result.details["entries"] == "1")
            let uri = try #require(server.received.first?.uri)
            let query = try #require(URLComponents(string: uri)?.queryItems)
            let format = Date.ISO8601FormatStyle(timeZone: .gmt)
            let from = try #require(query.first { $0.name == "from" }?.value.flatMap { try? format.parse($0) })
            let to = try #require(query.first { $0.name == "to" }?.value.flatMap { try? format.parse($0) })
            #expect(to.timeIntervalSince(from) == 1)
            #expect(to <= Date())
        }
    }

    @Test func anUnreachableServiceIsAnOutcomeNotAnError() async throws {
        let credential = OpenedCredential(id: "c2", integration: "ncmec_cybertipline",
                                          values: ["username": "u", "endpoint": "http://127.0.0.1:9"], secrets: ["password": "pw-secret"])
        let result = await NCMECProbe(.cyberTipline, gate: Self.gate, timeout: .seconds(1)).probe(credential)
        #expect(!result.ok && result.summary.contains("was not tested"), "\(result.summary)")
    }

    @Test func aWebhookGetsASignedTestEvent() async throws {
        try await Self.run([ScriptedServer.Reply(status: 204)], paths: ["hook"]) { server in
            let credential = OpenedCredential(id: "w1", integration: "webhook", values: ["nickname": "hook", "url": server.base + "/hook"],
                                              secrets: ["signing_secret": "whsec-0123456789"])
            let result = await WebhookProbe(gate: Self.gate).probe(credential)
            #expect(result.ok, "\(result.summary)")
            let sent = try #require(server.received.first)
            let signature = try #require(sent.header(WebhookSignature.header))
            #expect(WebhookSignature.verify(signature, body: sent.body, secret: "whsec-0123456789"))
            #expect(!WebhookSignature.verify(signature, body: sent.body, secret: "another-secret"))
            #expect(!WebhookSignature.verify(signature, body: sent.body + [0x20], secret: "whsec-0123456789"))
            let event = try #require(try JSONSerialization.jsonObject(with: Data(sent.body)) as? [String: Any])
            #expect(event["type"] as? String == "vigil.test")
        }
    }

    @Test func aPhotoDNAProbeMatchesABenignImageInline() async throws {
        try await Self.run([.json(#"{"Status":{"Code":3000,"Description":"OK"},"IsMatch":false,"TrackingId":"WUS_1"}"#)],
                           paths: ["photodna/v1.0/Match"]) { server in
            let probe = PhotoDNAProbe(client: PhotoDNAClient(fetcher: Self.fetcher), image: [0xFF, 0xD8, 0xFF, 0xD9])
            let result = await probe.probe(PhotoDNAClientTests.credential(server))
            #expect(result.ok && result.details["tracking_id"] == "WUS_1", "\(result.summary)")
            #expect(result.summary.contains("the subscription key works"))
            let sent = try #require(server.received.first)
            let body = try #require(try JSONSerialization.jsonObject(with: Data(sent.body)) as? [String: String])
            #expect(body["DataRepresentation"] == "Inline" && body["Value"] == Data([0xFF, 0xD8, 0xFF, 0xD9]).base64EncodedString())
        }
        try await Self.run([ScriptedServer.Reply(status: 401)], paths: ["photodna/v1.0/Match"]) { server in
            let probe = PhotoDNAProbe(client: PhotoDNAClient(fetcher: Self.fetcher), image: [0xFF, 0xD8, 0xFF, 0xD9])
            let result = await probe.probe(PhotoDNAClientTests.credential(server))
            #expect(!result.ok && result.summary.contains("HTTP 401"), "\(result.summary)")
            #expect(server.received.count == 1)
        }
    }

    @Test func anotherVigilsKeyIsTestedOnItsBankList() async throws {
        try await Self.run([.json(#"{"banks": [{"name": "SHARED"}, {"name": "OTHER"}]}"#)], paths: ["v1/banks"]) { server in
            let credential = OpenedCredential(id: "r1", integration: "vigil_remote", values: ["endpoint": server.base + "/"],
                                              secrets: ["api_key": "vgl_partner_key_123"])
            let result = await VigilRemoteProbe(gate: Self.gate).probe(credential)
            #expect(result.ok && result.summary.contains("SHARED, OTHER"), "\(result.summary)")
            #expect(server.received.first?.header("Authorization") == "Bearer vgl_partner_key_123")
        }
        try await Self.run([ScriptedServer.Reply(status: 401)], paths: ["v1/banks"]) { server in
            let credential = OpenedCredential(id: "r2", integration: "vigil_remote", values: ["endpoint": server.base],
                                              secrets: ["api_key": "vgl_wrong"])
            let result = await VigilRemoteProbe(gate: Self.gate).probe(credential)
            #expect(!result.ok && result.summary.contains("refused the API key"))
        }
    }

    /// Without the operator's leave, no probe reaches a loopback service: the gate refuses it
    /// before a connection is made, and the outcome names the rule.
    @Test func withoutFetchAllowNoProbeReachesLoopback() async throws {
        let closed = OutboundGate(policy: FetchPolicy())
        try await Self.run([ScriptedServer.Reply(status: 204)], paths: ["hook", "status", "v1/banks", "photodna/v1.0/Match"]) { server in
            let probes: [(any CredentialProbe, OpenedCredential)] = [
                (NCMECProbe(.cyberTipline, gate: closed), Self.ncmec("ncmec_cybertipline", server)),
                (NCMECProbe(.hashSharing, gate: closed), Self.ncmec("ncmec_hash_sharing", server)),
                (WebhookProbe(gate: closed), OpenedCredential(id: "w", integration: "webhook", values: ["url": server.base + "/hook"],
                                                              secrets: ["signing_secret": "whsec-0123456789"])),
                (VigilRemoteProbe(gate: closed), OpenedCredential(id: "r", integration: "vigil_remote", values: ["endpoint": server.base],
                                                                  secrets: ["api_key": "vgl_partner_key_123"])),
                (PhotoDNAProbe(client: PhotoDNAClient(fetcher: SafeURLFetcher()), image: [0xFF, 0xD8, 0xFF, 0xD9]), PhotoDNAClientTests.credential(server)),
            ]
            for (probe, credential) in probes {
                let result = await probe.probe(credential)
                #expect(!result.ok && result.summary.contains("loopback") && result.summary.contains("--fetch-allow"),
                        "\(probe.integration): \(result.summary)")
            }
            #expect(server.received.isEmpty)
        }
    }
}
