public import Foundation
public import JSONValues
public import SafeFetch

/// One signed webhook body posted to a receiver, for senders outside this module (a workflow's
/// webhook steps): what happened, in the words a step records.
public enum WebhookPost {
    public enum Outcome: Sendable, Equatable {
        /// The receiver answered with this HTTP status.
        case answered(Int)
        /// Not reached, too slow or too chatty: worth another try.
        case notReached(String)
        /// The outbound rules refuse the URL: nothing was sent, and asking again cannot change that.
        case refused(String)
    }

    /// Posts the one webhook body (`WebhookEnvelope`) signed with `secret`.
    public static func send(id: String, type: String, createdAt: Date, data: JSONValue, extra: [String: JSONValue] = [:],
                            to url: String, secret: String, gate: OutboundGate, timeout: Duration,
                            headers: [(String, String)] = []) async -> Outcome {
        let body = WebhookEnvelope(id: id, type: type, createdAt: createdAt, data: data, extra: extra).bytes
        do {
            let answer = try await WebhookSignature.post(body, to: url, secret: secret, gate: gate, timeout: timeout, headers: headers, at: createdAt)
            return .answered(answer.status)
        } catch .refused(let refusal) {
            return .refused(WebhookURLText.hiding(url, in: refusal.description))
        } catch {
            return .notReached(WebhookURLText.hiding(url, in: error.description))
        }
    }
}
