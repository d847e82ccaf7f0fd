public import Foundation
public import Jobs

/// A receiver of events: a webhook credential of the vault (its URL and signing secret) and the
/// event types it wants (`case.created`, `case.*` for a family, `*` for all).
public struct WebhookSubscription: Sendable, Equatable {
    public var id: Int64
    public var credentialID: String
    public var eventTypes: [String]
    public var active: Bool
    public var description: String
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: Int64, credentialID: String, eventTypes: [String], active: Bool, description: String, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.credentialID = credentialID
        self.eventTypes = eventTypes
        self.active = active
        self.description = description
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public func wants(_ type: String) -> Bool { EventTypes.matches(eventTypes, type) }
}

public struct NewWebhookSubscription: Sendable {
    public var credentialID: String
    public var eventTypes: [String]
    public var active: Bool
    public var description: String

    public init(credentialID: String, eventTypes: [String], active: Bool = true, description: String = "") {
        self.credentialID = credentialID
        self.eventTypes = eventTypes
        self.active = active
        self.description = description
    }
}

/// One event on its way to one subscription. Deliveries of one subject to one subscription go
/// in event order: a later one waits while an earlier one is pending.
public struct WebhookDelivery: Sendable, Equatable {
    /// The job kind that performs deliveries (`WebhookDeliveryJob`).
    public static let jobKind = "webhook.deliver"

    /// The job that performs delivery `id`. Its attempts are counted by the delivery itself
    /// (its 24-hour window ends it), so the job's own limit is only a backstop.
    public static func job(delivery id: Int64, at time: Date) throws -> NewJob {
        struct Payload: Encodable { let delivery: Int64 }
        return NewJob(kind: jobKind, payload: try JobText.encode(Payload(delivery: id)), maxAttempts: 10_000, runAfter: time)
    }

    public enum State: String, Sendable, Codable, CaseIterable { case pending, delivered, failed }

    public var id: Int64
    public var subscriptionID: Int64
    public var eventID: Int64
    public var subject: String
    public var state: State
    public var attempts: Int
    public var lastStatus: Int?
    public var lastError: String?
    public var jobID: Int64?
    public var createdAt: Date
    public var updatedAt: Date
    public var deliveredAt: Date?

    public init(id: Int64, subscriptionID: Int64, eventID: Int64, subject: String, state: State, attempts: Int, lastStatus: Int?,
                lastError: String?, jobID: Int64?, createdAt: Date, updatedAt: Date, deliveredAt: Date?) {
        self.id = id
        self.subscriptionID = subscriptionID
        self.eventID = eventID
        self.subject = subject
        self.state = state
        self.attempts = attempts
        self.lastStatus = lastStatus
        self.lastError = lastError
        self.jobID = jobID
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.deliveredAt = deliveredAt
    }
}
