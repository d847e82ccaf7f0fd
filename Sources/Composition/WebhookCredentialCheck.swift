import Events
import Integrations
import SafeFetch

/// The check a webhook subscription's credential passes before it is saved: it opens, it is a
/// webhook credential, and its URL passes the outbound gate.
struct WebhookCredentialCheck: Sendable {
    let credentials: CredentialService
    let fetcher: SafeURLFetcher

    func check(_ id: String) async throws {
        let credential: OpenedCredential
        do { credential = try await credentials.open(id: id) } catch { throw WebhookError.invalid("credential \(id): \(error)") }
        guard credential.integration == "webhook", let url = credential.values["url"] else {
            throw WebhookError.invalid("credential \(id) is a \(credential.integration) credential, not a webhook credential")
        }
        do { _ = try await fetcher.checkDestination(url) } catch { throw WebhookError.invalid("the URL of credential \(id) is refused: \(error)") }
    }
}
