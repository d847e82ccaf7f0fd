public import Foundation

/// The rules of subscriptions: known event types, a credential of the webhook integration whose
/// URL passes the address rules (`checkCredential`, given by the adapter that can resolve it).
public struct WebhookService: Sendable {
    let store: any WebhookStore
    /// Throws when the credential is missing, not a webhook credential, or its URL is refused.
    let checkCredential: @Sendable (String) async throws -> Void
    let clock: @Sendable () -> Date

    public init(store: any WebhookStore, checkCredential: @escaping @Sendable (String) async throws -> Void,
                clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.checkCredential = checkCredential
        self.clock = clock
    }

    public func create(_ new: NewWebhookSubscription) async throws -> WebhookSubscription {
        try Self.check(types: new.eventTypes)
        guard new.description.count <= 500 else { throw WebhookError.invalid("description must be at most 500 characters") }
        try await checkCredential(new.credentialID)
        return try await store.createSubscription(new, at: clock())
    }

    public func subscription(_ id: Int64) async throws -> WebhookSubscription {
        guard let subscription = try await store.subscription(id: id) else { throw WebhookError.notFound("webhook subscription \(id)") }
        return subscription
    }

    public func list() async throws -> [WebhookSubscription] { try await store.subscriptions() }

    public func update(_ id: Int64, eventTypes: [String]?, active: Bool?, description: String?, credentialID: String?) async throws -> WebhookSubscription {
        var subscription = try await subscription(id)
        if let eventTypes {
            try Self.check(types: eventTypes)
            subscription.eventTypes = eventTypes
        }
        if let credentialID {
            try await checkCredential(credentialID)
            subscription.credentialID = credentialID
        }
        if let active { subscription.active = active }
        if let description { subscription.description = description }
        guard let updated = try await store.updateSubscription(subscription, at: clock()) else { throw WebhookError.notFound("webhook subscription \(id)") }
        return updated
    }

    public func delete(_ id: Int64) async throws {
        guard try await store.deleteSubscription(id: id) else { throw WebhookError.notFound("webhook subscription \(id)") }
    }

    public func deliveries(_ subscriptionID: Int64, states: [WebhookDelivery.State]?, before: Int64?, limit: Int) async throws -> [WebhookDelivery] {
        _ = try await subscription(subscriptionID)
        return try await store.deliveries(subscriptionID: subscriptionID, states: states, before: before, limit: limit)
    }

    public func redeliver(_ subscriptionID: Int64, delivery deliveryID: Int64) async throws -> WebhookDelivery {
        guard let delivery = try await store.delivery(id: deliveryID), delivery.subscriptionID == subscriptionID else {
            throw WebhookError.notFound("delivery \(deliveryID) of webhook subscription \(subscriptionID)")
        }
        guard delivery.state != .pending else { throw WebhookError.invalid("delivery \(deliveryID) is still pending: it will be tried again by itself") }
        guard let again = try await store.redeliver(id: deliveryID, at: clock()) else { throw WebhookError.notFound("delivery \(deliveryID)") }
        return again
    }

    static func check(types: [String]) throws {
        guard !types.isEmpty else { throw WebhookError.invalid("event_types must name at least one event type (or \"*\")") }
        if let problem = EventTypes.problem(types) { throw WebhookError.invalid(problem) }
    }
}
