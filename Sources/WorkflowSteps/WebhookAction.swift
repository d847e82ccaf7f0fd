import IntegrationClients
public import SafeFetch
import Foundation
public import Integrations
public import JSONValues
public import Workflows

/// `notify.webhook` and `webhook.deliver`: posts a signed JSON event to the URL of the step's
/// webhook credential. Delivery is at least once: the event's id is the step's idempotency key,
/// the same on every try, so a receiver drops a repeat by its id.
public struct WebhookAction: WorkflowAction {
    public let key: String
    let credentials: CredentialService
    let gate: OutboundGate
    let timeout: Duration

    public init(key: String, credentials: CredentialService, gate: OutboundGate, timeout: Duration = .seconds(10)) {
        self.key = key
        self.credentials = credentials
        self.gate = gate
        self.timeout = timeout
    }

    public func perform(_ call: ActionCall) async throws -> JSONValue {
        guard let id = call.credential else { throw ActionFailure("\(key) needs a webhook credential") }
        let credential: OpenedCredential
        do { credential = try await credentials.open(id: id) } catch { throw ActionFailure("credential \(id): \(error)") }
        guard let url = credential.values["url"], let secret = try? credential.secret("signing_secret") else {
            throw ActionFailure("credential \(id) has no URL or no signing secret")
        }
        let deliver = key == "webhook.deliver"
        let outcome = await WebhookPost.send(
            id: call.idempotencyKey, type: deliver ? "workflow.event" : call.text("event_type") ?? "workflow.notification", createdAt: Date(),
            data: (deliver ? call.inputs["event"] : call.inputs["data"]) ?? .null,
            extra: ["workflow": .string(call.workflowID), "run": .number(Double(call.runID)), "step": .string(call.stepID)],
            to: url, secret: secret, gate: gate, timeout: timeout, headers: [("Idempotency-Key", call.idempotencyKey)])
        // A step's error is read by everyone who may read runs, and a chat service's webhook URL
        // carries its token in the path: the error names the credential and the URL's origin only.
        let origin = WebhookURLText.origin(of: url)
        func told(_ message: String) -> String { credential.redacting(WebhookURLText.hiding(url, in: message)) }
        let status: Int
        switch outcome {
        case let .answered(answered): status = answered
        case let .refused(refusal):
            // The outbound rules refuse it: asking again cannot change that.
            throw ActionFailure(told("the webhook of credential \(id) (\(origin)) is refused: \(refusal)"))
        case let .notReached(reason):
            // Not reached, slow or too chatty: worth another try.
            throw WebhookDeliveryError(message: told("the webhook of credential \(id) (\(origin)) was not reached: \(reason)"))
        }
        switch status {
        case 200..<300:
            return .object(["status": .number(Double(status)), "delivery_id": .string(call.idempotencyKey)])
        case 408, 429, 500...599:
            throw WebhookDeliveryError(message: "the webhook answered HTTP \(status)")
        default:
            throw ActionFailure("the webhook refused the delivery with HTTP \(status)")
        }
    }
}

struct WebhookDeliveryError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
