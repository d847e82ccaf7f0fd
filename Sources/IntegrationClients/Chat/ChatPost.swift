public import Integrations
public import SafeFetch

/// Posts a `ChatNotice` to a Slack or Teams credential's incoming webhook, through the outbound
/// gate, and says what happened in words that never hold the webhook's URL (its path is its token).
public enum ChatPost {
    /// Sends `notice` in the format of `credential`'s service.
    public static func send(_ notice: ChatNotice, with credential: OpenedCredential, gate: OutboundGate, timeout: Duration) async -> WebhookPost.Outcome {
        let url: String
        do { url = try webhookURL(of: credential) } catch { return .refused(error.description) }
        let payload = credential.integration == "teams" ? ChatPayload.teams(notice) : ChatPayload.slack(notice)
        do {
            let answer = try await HTTPCall.perform(gate, .POST, url, headers: [("Content-Type", "application/json")],
                                                    body: Array(payload.text.utf8), timeout: timeout, limit: 64 * 1024, integration: credential.integration)
            return .answered(answer.status)
        } catch .refused(let refusal) {
            return .refused(credential.redacting(WebhookURLText.hiding(url, in: refusal.description)))
        } catch {
            return .notReached(credential.redacting(WebhookURLText.hiding(url, in: error.description)))
        }
    }

    /// The credential's webhook URL, when it is a chat credential that has one.
    public static func webhookURL(of credential: OpenedCredential) throws(ChatCredentialError) -> String {
        guard Integrations.chatIntegrations.contains(credential.integration) else {
            throw ChatCredentialError(description: "credential \(credential.id) is a \(credential.integration) credential, not a Slack or Teams one")
        }
        guard let url = try? credential.secret("webhook_url") else {
            throw ChatCredentialError(description: "credential \(credential.id) has no webhook URL")
        }
        return url
    }
}

public struct ChatCredentialError: Error, Sendable, CustomStringConvertible {
    public let description: String
}
