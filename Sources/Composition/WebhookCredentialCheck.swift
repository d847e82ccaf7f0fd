import Events
import IntegrationClients
import Integrations
import SafeFetch

/// The check a webhook subscription's credential passes before it is saved: it opens, it is a
/// webhook, Slack or Teams credential, and its URL passes the outbound gate.
struct WebhookCredentialCheck: Sendable {
    let credentials: CredentialService
    let fetcher: SafeURLFetcher

    func check(_ id: String) async throws {
        let credential: OpenedCredential
        do { credential = try await credentials.open(id: id) } catch { throw WebhookError.invalid("credential \(id): \(error)") }
        let url: String
        if Integrations.chatIntegrations.contains(credential.integration) {
            do { url = try ChatPost.webhookURL(of: credential) } catch { throw WebhookError.invalid(error.description) }
        } else {
            guard credential.integration == "webhook", let webhook = credential.values["url"] else {
                throw WebhookError.invalid("credential \(id) is a \(credential.integration) credential, not a webhook, Slack or Teams credential")
            }
            url = webhook
        }
        do { _ = try await fetcher.checkDestination(url) } catch {
            throw WebhookError.invalid(credential.redacting(WebhookURLText.hiding(url, in: "the URL of credential \(id) is refused: \(error)")))
        }
    }
}
