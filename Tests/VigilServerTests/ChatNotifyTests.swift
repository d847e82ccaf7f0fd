import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IntegrationClients
import Logging
import NIOCore
import Synchronization
import Testing
import VigilServer
import VigilTestSupport

/// Alerts where the team already is (issue 30 §6): a `notify.chat` step and webhook
/// subscriptions tell Slack and Teams channels in their own documented formats, with links back
/// into Vigil, never an image or a whole hash, and never the webhook's token in an error.
@Suite struct ChatNotifyTests {
    static let pdq = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"

    static func publicSettings() -> ServerSettings {
        var settings = ServerSettings()
        settings.publicURL = "https://vigil.example.org"
        return settings
    }

    static func credential(_ integration: String, _ url: String, nickname: String = "on-call", _ fixture: ServerFixture,
                           _ http: any TestClientProtocol) async throws -> String {
        let created = try await http.json(.post, "/v1/credentials", key: fixture.analyst,
                                          #"{"integration":"\#(integration)","values":{"nickname":"\#(nickname)","webhook_url":"\#(url)"}}"#)
        #expect(created.status == 201, "\(created.text)")
        // The webhook's URL is its token: never shown back, but its origin (to tell which service).
        #expect(!created.text.contains(url) && !created.text.contains("tok-") && created.text.contains("127.0.0.1:") && created.text.contains("/••••"),
                "\(created.text)")
        return try #require(created.json["id"] as? String)
    }

    @Test func aNotifyChatStepTellsSlackWithLinksEscapedTextAndNoWholeHash() async throws {
        let receiver = try await ChatReceiver.start()
        let fixture = try await ServerFixture(settings: Self.publicSettings())
        try await fixture.test { http in
            let slack = try await Self.credential("slack", receiver.url("/slack/T01/B02/tok-abcdef"), fixture, http)
            let gone = try await Self.credential("slack", receiver.url("/gone/tok-gone-123456"), nickname: "removed", fixture, http)
            let definition = #"""
                {"name": "tell the channel", "trigger": {"type": "api", "parameters": [{"name": "case_id", "type": "integer", "required": true}]},
                 "steps": [
                   {"id": "tell", "type": "action", "action": "notify.chat", "credential": "\#(slack)",
                    "inputs": {"title": "Known image <!channel>", "message": "Case {{ trigger.case_id }} matched \#(Self.pdq) & needs a reviewer",
                               "case_id": "{{ trigger.case_id }}"}},
                   {"id": "again", "type": "action", "action": "notify.chat", "credential": "\#(gone)", "inputs": {"message": "x"}}]}
                """#
            let created = try await http.json(.post, "/v1/workflows", key: fixture.admin, definition)
            let workflow = try #require(created.json["id"] as? String, "\(created.text)")
            #expect(try await http.call(.post, "/v1/workflows/\(workflow)/publish", key: fixture.admin).status == 201)
            let started = try await WorkflowAPITests.start(workflow, #"{"case_id": 12}"#, key: fixture.analyst, http)
            let run = try #require(started.json["id"] as? Int, "\(started.text)")
            var turns = 0
            while try await fixture.worker.runNext(now: fixture.clock.now.addingTimeInterval(3600)), turns < 50 { turns += 1 }

            let message = try #require(receiver.received.first { $0.path.hasPrefix("/slack/") }?.json)
            // Slack's incoming-webhook shape: text for notifications, Block Kit blocks to read.
            let text = try #require(message["text"] as? String)
            let blocks = try #require(message["blocks"] as? [[String: Any]])
            let section = try #require(blocks.first?["text"] as? [String: Any])
            #expect(blocks.first?["type"] as? String == "section" && section["type"] as? String == "mrkdwn")
            let body = try #require(section["text"] as? String)
            #expect(body.contains("Case 12 matched f8f8f0ce… &amp; needs a reviewer"), "\(body)")
            #expect(body.contains("*Known image &lt;!channel&gt;*"), "Slack's markup in a title is escaped: no one is pinged")
            #expect(!text.contains(Self.pdq) && !body.contains(Self.pdq), "never a whole hash")
            let buttons = try #require(blocks.last?["elements"] as? [[String: Any]])
            #expect(buttons.compactMap { $0["url"] as? String } == ["https://vigil.example.org/cases/12", "https://vigil.example.org/workflow-runs/\(run)"])

            let shown = try await http.call(.get, "/v1/workflow-runs/\(run)", key: fixture.admin)
            let steps = WorkflowAPITests.steps(shown)
            #expect((steps["tell"]?["output"] as? [String: Any])?["linked"] as? Bool == true, "\(shown.text)")
            // A removed webhook (404) fails its step in words that never hold the token.
            let error = try #require(steps["again"]?["error"] as? String, "\(shown.text)")
            #expect(error.contains("HTTP 404") && !error.contains("tok-gone") && !shown.text.contains("tok-"), "\(error)")
        }
    }

    @Test func aSubscriptionTellsTeamsOfEscalationsInAnAdaptiveCardAndATestPostsOnce() async throws {
        let receiver = try await ChatReceiver.start()
        let fixture = try await ServerFixture(settings: Self.publicSettings())
        try await fixture.test { http in
            let teams = try await Self.credential("teams", receiver.url("/teams/workflows/tok-teams-987"), fixture, http)
            let tested = try await http.call(.post, "/v1/credentials/\(teams)/test", key: fixture.analyst)
            #expect(tested.json["ok"] as? Bool == true, "\(tested.text)")
            let subscribed = try await http.json(.post, "/v1/webhooks", key: fixture.analyst, #"{"credential":"\#(teams)","event_types":["case.escalated"]}"#)
            #expect(subscribed.status == 201, "\(subscribed.text)")
            // A removed webhook refuses every message: its delivery fails at once, not after a day.
            let gone = try await Self.credential("teams", receiver.url("/gone/tok-removed-55"), nickname: "removed", fixture, http)
            let goneSubscription = try #require(try await http.json(.post, "/v1/webhooks", key: fixture.analyst,
                                                                    #"{"credential":"\#(gone)","event_types":["case.escalated"]}"#).json["id"] as? Int)
            let opened = try await http.json(.post, "/v1/cases", key: fixture.reviewer, #"{"title":"upload 991 matched","queue":"csam"}"#)
            let id = try #require(opened.json["id"] as? Int)
            #expect(try await http.decide(id, #"{"decision":"escalate"}"#, key: fixture.reviewer).status == 200)
            #expect(try await http.decide(id, #"{"decision":"confirm"}"#, key: fixture.reviewer).status == 200)
            var turns = 0
            while try await fixture.worker.runNext(now: fixture.clock.now.addingTimeInterval(3600)), turns < 50 { turns += 1 }

            let cards = receiver.received.filter { $0.path.hasPrefix("/teams/") }.map(\.json)
            #expect(cards.count == 2, "the test message and the one escalation (not the confirmation): \(cards)")
            let escalation = try #require(cards.last)
            // Teams' shape: a message with one Adaptive Card attachment.
            #expect(escalation["type"] as? String == "message")
            let attachment = try #require((escalation["attachments"] as? [[String: Any]])?.first)
            #expect(attachment["contentType"] as? String == "application/vnd.microsoft.card.adaptive")
            let card = try #require(attachment["content"] as? [String: Any])
            #expect(card["type"] as? String == "AdaptiveCard" && card["version"] as? String == "1.4")
            let texts = (card["body"] as? [[String: Any]] ?? []).compactMap { (($0["inlines"] as? [[String: Any]])?.first?["text"] as? String) }
            #expect(texts.first == "Vigil: case escalated, case #\(id)", "\(texts)")
            #expect(texts.contains("title: upload 991 matched") && texts.contains("queue: csam"), "\(texts)")
            let actions = try #require(card["actions"] as? [[String: Any]])
            #expect(actions.first?["type"] as? String == "Action.OpenUrl" && actions.first?["url"] as? String == "https://vigil.example.org/cases/\(id)")
            let deliveries = try await http.call(.get, "/v1/webhooks/\(try #require(subscribed.json["id"] as? Int))/deliveries?state=delivered", key: fixture.analyst)
            #expect((deliveries.json["deliveries"] as? [Any])?.count == 1, "\(deliveries.text)")
            let refused = try await http.call(.get, "/v1/webhooks/\(goneSubscription)/deliveries?state=failed", key: fixture.analyst)
            let failure = try #require((refused.json["deliveries"] as? [[String: Any]])?.first?["last_error"] as? String, "\(refused.text)")
            #expect(failure.contains("HTTP 404") && !refused.text.contains("tok-removed"), "\(failure)")
        }
    }

    @Test func aChatStepNeedsAChatCredentialAndAWebhookCredentialIsNotOne() async throws {
        let receiver = try await ChatReceiver.start()
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            let hook = try await http.json(.post, "/v1/credentials", key: fixture.analyst,
                                           #"{"integration":"webhook","values":{"nickname":"h","url":"\#(receiver.url("/hook"))","signing_secret":"s3cret-0123456789"}}"#)
            let hookID = try #require(hook.json["id"] as? String)
            let definition = #"{"name":"w","trigger":{"type":"api"},"steps":[{"id":"tell","type":"action","action":"notify.chat","credential":"\#(hookID)","inputs":{"message":"x"}}]}"#
            let refused = try await http.json(.post, "/v1/workflows/validate", key: fixture.admin, definition)
            let issues = try #require(refused.json["issues"] as? [[String: Any]], "\(refused.text)")
            #expect(issues.contains { ($0["message"] as? String)?.contains("needs a slack or teams credential") == true }, "\(refused.text)")
            let actions = try await http.call(.get, "/v1/workflow-actions", key: fixture.admin)
            let chat = try #require((actions.json["actions"] as? [[String: Any]])?.first { $0["key"] as? String == "notify.chat" })
            #expect(chat["credential_integrations"] as? [String] == ["slack", "teams"])
        }
    }

    @Test func aChatCredentialsURLMovesOnlyByAnAdminAndAMalformedOneIsNotQuoted() async throws {
        let receiver = try await ChatReceiver.start()
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            let slack = try await Self.credential("slack", receiver.url("/slack/tok-first-1"), fixture, http)
            let moved = try await http.json(.patch, "/v1/credentials/\(slack)", key: fixture.analyst, #"{"values":{"webhook_url":"\#(receiver.url("/slack/tok-mine-2"))"}}"#)
            #expect(moved.status == 403, "where the messages go is an admin's choice: \(moved.text)")
            let byAdmin = try await http.json(.patch, "/v1/credentials/\(slack)", key: fixture.admin, #"{"values":{"webhook_url":"\#(receiver.url("/slack/tok-new-3"))"}}"#)
            #expect(byAdmin.status == 200, "\(byAdmin.text)")
            let malformed = try await http.json(.post, "/v1/credentials", key: fixture.analyst,
                                                #"{"integration":"slack","values":{"nickname":"bad","webhook_url":"https://[zz/services/T/B/BRACKETSECRET123"}}"#)
            #expect(malformed.status >= 400 && !malformed.text.contains("BRACKETSECRET"), "\(malformed.text)")
            let audit = try await http.call(.get, "/v1/audit?limit=20", key: fixture.admin)
            #expect(!audit.text.contains("BRACKETSECRET") && !audit.text.contains("tok-"), "\(audit.text)")
        }
    }

    @Test func hashesAreCutToTheirFirstCharactersWhereverTheyAppear() {
        #expect(ChatNotice.hidingHashes("md5 0123456789abcdef0123456789abcdef, case 1234567") == "md5 01234567…, case 1234567")
        let notice = ChatNotice(title: String(repeating: "a", count: 64), text: "ok")
        #expect(notice.title == "aaaaaaaa…")
    }
}

/// A chat service's incoming webhooks on this machine: records every JSON body posted, and
/// answers 404 under /gone (a removed webhook).
final class ChatReceiver: Sendable {
    struct Received: @unchecked Sendable {
        let path: String
        let json: [String: Any]
    }

    /// The recorded bodies, shared by the router's handler and the receiver.
    final class Recorded: Sendable {
        let bodies = Mutex<[Received]>([])
    }

    let port: Int
    private let recorded: Recorded
    private let task: Task<Void, any Error>

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }
    var received: [Received] { recorded.bodies.withLock { $0 } }

    deinit { task.cancel() }

    private init(port: Int, recorded: Recorded, task: Task<Void, any Error>) {
        self.port = port
        self.recorded = recorded
        self.task = task
    }

    static func start() async throws -> ChatReceiver {
        let recorded = Recorded()
        let router = Router()
        router.post("**") { request, _ in
            let body = try await request.body.collect(upTo: 1 << 20)
            let json = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
            let path = request.uri.path
            recorded.bodies.withLock { $0.append(Received(path: path, json: json)) }
            return Response(status: path.hasPrefix("/gone") ? .notFound : (path.hasPrefix("/teams") ? .accepted : .ok))
        }
        let (port, task) = try await LocalServer.start(router, label: "chat")
        return ChatReceiver(port: port, recorded: recorded, task: task)
    }
}
