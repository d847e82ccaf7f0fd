import Basics
import Banks
import Events
import Foundation

/// Subscriptions and deliveries as the API shows them.
struct WebhookSubscriptionJSON: Encodable {
    let id: Int64
    let credential: String
    let eventTypes: [String]
    let active: Bool
    let description: String
    let createdAt: String
    let updatedAt: String

    enum CodingKeys: String, CodingKey {
        case id, credential, active, description
        case eventTypes = "event_types"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    init(_ subscription: WebhookSubscription) {
        id = subscription.id
        credential = subscription.credentialID
        eventTypes = subscription.eventTypes
        active = subscription.active
        description = subscription.description
        createdAt = Timestamp.iso8601(subscription.createdAt)
        updatedAt = Timestamp.iso8601(subscription.updatedAt)
    }
}

struct DeliveryJSON: Encodable {
    let id: Int64
    let subscription: Int64
    let eventID: Int64
    let subject: String
    let state: String
    let attempts: Int
    let lastStatus: Int?
    let lastError: String?
    let jobID: Int64?
    let createdAt: String
    let updatedAt: String
    let deliveredAt: String?

    enum CodingKeys: String, CodingKey {
        case id, subscription, subject, state, attempts
        case eventID = "event_id"
        case lastStatus = "last_status"
        case lastError = "last_error"
        case jobID = "job_id"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case deliveredAt = "delivered_at"
    }

    init(_ delivery: WebhookDelivery) {
        id = delivery.id
        subscription = delivery.subscriptionID
        eventID = delivery.eventID
        subject = delivery.subject
        state = delivery.state.rawValue
        attempts = delivery.attempts
        lastStatus = delivery.lastStatus
        lastError = delivery.lastError
        jobID = delivery.jobID
        createdAt = Timestamp.iso8601(delivery.createdAt)
        updatedAt = Timestamp.iso8601(delivery.updatedAt)
        deliveredAt = delivery.deliveredAt.map(Timestamp.iso8601)
    }
}

struct DeliveryPage: Encodable {
    let deliveries: [DeliveryJSON]
    let nextBefore: Int64?

    enum CodingKeys: String, CodingKey {
        case deliveries
        case nextBefore = "next_before"
    }
}
