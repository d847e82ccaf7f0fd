import Foundation
public import IntegrationClients
public import Integrations
public import JSONValues
public import SafeFetch
public import Workflows

/// `notify.chat`: tells a Slack or Teams channel what a workflow found, in words, with links to
/// the case, the account and the run. At least once: a chat webhook takes no idempotency key, so
/// a step retried after its answer was lost may post twice (a channel shows both; nothing else
/// happens twice).
public struct ChatAction: WorkflowAction {
    public let key = "notify.chat"
    let credentials: CredentialService
    let gate: OutboundGate
    let links: DashboardLinks
    let timeout: Duration

    public init(credentials: CredentialService, gate: OutboundGate, links: DashboardLinks, timeout: Duration = .seconds(10)) {
        self.credentials = credentials
        self.gate = gate
        self.links = links
        self.timeout = timeout
    }

    public func perform(_ call: ActionCall) async throws -> JSONValue {
        guard let id = call.credential else { throw ActionFailure("notify.chat needs a Slack or Teams credential") }
        let credential: OpenedCredential
        do { credential = try await credentials.open(id: id) } catch { throw ActionFailure("credential \(id): \(error)") }
        guard let message = call.text("message") else { throw ActionFailure("notify.chat needs a message") }
        let caseLink = call.inputs["case_id"]?.integer.flatMap { links.case(Int64($0)) }
        let accountLink = call.inputs["account_id"]?.integer.flatMap { links.account(Int64($0)) }
        let notice = ChatNotice(title: call.text("title") ?? "Vigil", text: message,
                                links: [caseLink, accountLink, links.run(call.runID)].compactMap { $0 })
        let status: Int
        switch await ChatPost.send(notice, with: credential, gate: gate, timeout: timeout) {
        case let .answered(answered): status = answered
        case let .refused(reason): throw ActionFailure("the chat webhook of credential \(id) is refused: \(reason)")
        case let .notReached(reason): throw WebhookDeliveryError(message: "the chat webhook of credential \(id) was not reached: \(reason)")
        }
        switch status {
        case 200..<300: return .object(["status": .number(Double(status)), "linked": .bool(!notice.links.isEmpty)])
        case 408, 429, 500...599: throw WebhookDeliveryError(message: "the chat webhook answered HTTP \(status)")
        default:
            // 404 and 410: the webhook was removed or its channel archived; 400: the service refused the message.
            throw ActionFailure("the chat webhook of credential \(id) refused the message with HTTP \(status)")
        }
    }
}
