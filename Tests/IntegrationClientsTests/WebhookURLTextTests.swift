import IntegrationClients
import Testing

/// A webhook URL's token never reaches an error: the URL, or the part of its start an error
/// quotes, reads as its origin, and its path and query are hidden.
@Suite struct WebhookURLTextTests {
    static let url = "https://hooks.slack.example/services/T000/B000/" + String(repeating: "XOXB-SECRET-", count: 30)

    @Test func theWholeURLAPrefixOfItAndItsPathAloneAreHidden() {
        let whole = WebhookURLText.hiding(Self.url, in: "the webhook at \(Self.url) is refused")
        #expect(whole == "the webhook at https://hooks.slack.example is refused")
        let quoted = WebhookURLText.hiding(Self.url, in: "\"\(Self.url.prefix(200))\" is not an absolute http or https URL")
        #expect(!quoted.contains("SECRET") && quoted.contains("https://hooks.slack.example"))
        let path = WebhookURLText.hiding(Self.url, in: "POST /services/T000/B000/\(String(repeating: "XOXB-SECRET-", count: 30)) answered 404")
        #expect(!path.contains("SECRET"))
        #expect(WebhookURLText.hiding(Self.url, in: "connection refused by hooks.slack.example:443") == "connection refused by hooks.slack.example:443")
    }

    @Test func anUnreadableURLIsNotGuessedAt() {
        #expect(WebhookURLText.origin(of: "not a url") == "an unreadable URL")
        #expect(WebhookURLText.origin(of: "http://127.0.0.1:8080/hook?token=abc") == "http://127.0.0.1:8080")
    }
}
