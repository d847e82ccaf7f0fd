import Foundation
public import Integrations
public import SafeFetch

/// Tests a Slack or Teams credential by posting a short test message to its channel: a 2xx
/// answer means the webhook is there and took it (the channel shows the message).
public struct ChatProbe: CredentialProbe {
    public let integration: String
    let gate: OutboundGate
    let timeout: Duration

    public init(integration: String, gate: OutboundGate, timeout: Duration = .seconds(10)) {
        self.integration = integration
        self.gate = gate
        self.timeout = timeout
    }

    public func probe(_ credential: OpenedCredential) async -> CredentialTestResult {
        let start = ContinuousClock.now
        let notice = ChatNotice(title: "Vigil: a test message", text: "Vigil will tell this channel what its workflows and subscriptions ask it to (credential \"\(credential.values["nickname"] ?? credential.id)\").")
        let outcome = await ChatPost.send(notice, with: credential, gate: gate, timeout: timeout)
        let elapsed = start.duration(to: .now)
        switch outcome {
        case let .answered(status) where (200..<300).contains(status):
            let taken = status == 202 ? "The webhook accepted the test message (HTTP 202): Teams posts it to the channel when its workflow runs"
                                      : "The channel took the test message (HTTP \(status))"
            return CredentialTestResult(ok: true, summary: "\(taken), in \(elapsed.wholeMilliseconds) ms.",
                                        details: ["http_status": String(status)], elapsed: elapsed)
        case let .answered(status):
            return CredentialTestResult(ok: false, summary: "The webhook answered HTTP \(status) to the test message (a removed webhook or an archived channel answers 404 or 410).",
                                        details: ["http_status": String(status)], elapsed: elapsed)
        case let .notReached(reason):
            return CredentialTestResult(ok: false, summary: "The test message was not delivered: \(reason).", elapsed: elapsed)
        case let .refused(reason):
            return CredentialTestResult(ok: false, summary: "Nothing was sent: \(reason).", elapsed: elapsed)
        }
    }
}
