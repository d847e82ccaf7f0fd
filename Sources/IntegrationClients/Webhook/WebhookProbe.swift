import Basics
import AsyncHTTPClient
public import SafeFetch
import Foundation
public import Integrations

/// Tests a webhook credential by posting a signed `vigil.test` event to its URL: any 2xx answer
/// means the receiver is there and took it.
public struct WebhookProbe: CredentialProbe {
    public let integration = "webhook"
    let gate: OutboundGate
    let timeout: Duration

    public init(gate: OutboundGate, timeout: Duration = .seconds(10)) {
        self.gate = gate
        self.timeout = timeout
    }

    public func probe(_ credential: OpenedCredential) async -> CredentialTestResult {
        let start = ContinuousClock.now
        guard let url = credential.values["url"], let secret = try? credential.secret("signing_secret") else {
            return CredentialTestResult(ok: false, summary: "The credential has no URL or no signing secret.")
        }
        let now = Date()
        let body = WebhookEnvelope(id: UUID().uuidString.lowercased(), type: "vigil.test", createdAt: now,
                                   data: .object(["credential": .string(credential.id)])).bytes
        let answer: HTTPCall.Answer
        do {
            answer = try await WebhookSignature.post(body, to: url, secret: secret, gate: gate, timeout: timeout, at: now)
        } catch {
            let reason = switch error {
            case .timedOut: "it did not answer within \(Int(timeout.seconds)) s"
            case .tooLarge: "its answer is over 64 KiB"
            case let .connection(reason): "it could not be reached (\(WebhookURLText.hiding(url, in: reason)))"
            case let .refused(refusal): "nothing was sent (\(WebhookURLText.hiding(url, in: refusal.description)))"
            }
            return CredentialTestResult(ok: false, summary: "The test event was not delivered: \(reason).", elapsed: start.duration(to: .now))
        }
        let elapsed = start.duration(to: .now)
        let ok = (200..<300).contains(answer.status)
        return CredentialTestResult(ok: ok, summary: ok ? "The receiver took the signed test event (HTTP \(answer.status)) in \(elapsed.wholeMilliseconds) ms."
                                                          : "The receiver answered HTTP \(answer.status) to the signed test event.",
                                    details: ["http_status": String(answer.status)], elapsed: elapsed)
    }
}
