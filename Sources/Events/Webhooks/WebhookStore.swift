public import Foundation
public import Jobs

/// Subscriptions and their delivery log. Deliveries are created with their events (in the
/// event's transaction); this store reads them and records each attempt.
public protocol WebhookStore: Sendable {
    func createSubscription(_ new: NewWebhookSubscription, at time: Date) async throws -> WebhookSubscription
    func subscription(id: Int64) async throws -> WebhookSubscription?
    func subscriptions() async throws -> [WebhookSubscription]
    func updateSubscription(_ subscription: WebhookSubscription, at time: Date) async throws -> WebhookSubscription?
    func deleteSubscription(id: Int64) async throws -> Bool

    func delivery(id: Int64) async throws -> WebhookDelivery?
    func deliveries(subscriptionID: Int64, states: [WebhookDelivery.State]?, before: Int64?, limit: Int) async throws -> [WebhookDelivery]
    /// Whether a delivery of the same subject to the same subscription, for an earlier event, is
    /// still pending (this one must wait for it).
    func hasEarlierPending(_ delivery: WebhookDelivery) async throws -> Bool
    /// Records one attempt: `state` pending (will be retried), delivered or failed. With a
    /// `fence`, only while that claim still holds the delivery's job (`JobError.leaseLost` otherwise).
    func recordAttempt(id: Int64, state: WebhookDelivery.State, status: Int?, error: String?, at time: Date, fence: JobLease?) async throws
    /// Puts a delivery back to pending with a new job (manual redelivery).
    func redeliver(id: Int64, at time: Date) async throws -> WebhookDelivery?
}

public enum WebhookError: Error, Sendable, CustomStringConvertible {
    case notFound(String)
    case invalid(String)

    public var description: String {
        switch self {
        case let .notFound(what): "\(what) not found"
        case let .invalid(message): message
        }
    }
}
