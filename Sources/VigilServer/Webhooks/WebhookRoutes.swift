import Jobs
import Banks
import Events
import Foundation
import Hummingbird

/// Webhook subscriptions (a webhook credential and the event types it wants) and their delivery
/// log, with manual redelivery. Changes are audited.
struct WebhookRoutes {
    let jobs: JobQueue
    let webhooks: WebhookService
    let subscribedEvents: SubscribedEventTypes
    let auditor: Auditor

    func register(on routes: RouterGroup<VigilRequestContext>) {
        routes.get("webhooks") { _, _ in
            try JSONText.response(["subscriptions": try await webhooks.list().map(WebhookSubscriptionJSON.init)])
        }
        routes.post("webhooks") { request, context in
            let body = try JSONInput.decode(SubscriptionBody.self, from: try await request.collectBody(limit: 64 * 1024))
            guard let credential = body.credential, let types = body.eventTypes else {
                throw APIError.badRequest("a subscription needs credential (the id of a webhook, Slack or Teams credential) and event_types")
            }
            return try await auditor.audited(context, "webhook.create", target: "credential:\(credential)") {
                let created = try await webhooks.create(NewWebhookSubscription(credentialID: credential, eventTypes: types, active: body.active ?? true,
                                                                                description: body.description ?? ""))
                try await subscribedEvents.refresh()
                return try JSONText.response(WebhookSubscriptionJSON(created), status: .created)
            }
        }
        routes.get("webhooks/{id}") { _, context in
            try JSONText.response(WebhookSubscriptionJSON(try await webhooks.subscription(try Self.id(context))))
        }
        routes.patch("webhooks/{id}") { request, context in
            let id = try Self.id(context)
            let body = try JSONInput.decode(SubscriptionBody.self, from: try await request.collectBody(limit: 64 * 1024))
            return try await auditor.audited(context, "webhook.update", target: "webhook:\(id)") {
                let updated = try await webhooks.update(id, eventTypes: body.eventTypes, active: body.active, description: body.description,
                                                        credentialID: body.credential)
                try await subscribedEvents.refresh()
                return try JSONText.response(WebhookSubscriptionJSON(updated))
            }
        }
        routes.delete("webhooks/{id}") { _, context in
            let id = try Self.id(context)
            return try await auditor.audited(context, "webhook.delete", target: "webhook:\(id)") {
                try await webhooks.delete(id)
                try await subscribedEvents.refresh()
                return Response(status: .noContent)
            }
        }
        routes.get("webhooks/{id}/deliveries") { request, context in
            let states = try request.queryStates("state", as: WebhookDelivery.State.self)
            let before = try request.queryInteger("before", default: 0, in: 0...Int.max)
            let limit = try request.queryInteger("limit", default: 50, in: 1...1000)
            let found = try await webhooks.deliveries(try Self.id(context), states: states, before: before > 0 ? Int64(before) : nil, limit: limit)
            return try JSONText.response(DeliveryPage(deliveries: found.map(DeliveryJSON.init), nextBefore: found.count == limit ? found.last?.id : nil))
        }
        routes.post("webhooks/{id}/deliveries/{delivery}/redeliver") { _, context in
            let id = try Self.id(context)
            let delivery = try context.positiveID("delivery", of: "delivery")
            return try await auditor.audited(context, "webhook.redeliver", target: "webhook:\(id)/delivery:\(delivery)") {
                let queued = try await webhooks.redeliver(id, delivery: delivery)
                jobs.doorbell.ring()
                return try JSONText.response(DeliveryJSON(queued), status: .accepted)
            }
        }
    }

    struct SubscriptionBody: Decodable {
        let credential: String?
        let eventTypes: [String]?
        let active: Bool?
        let description: String?
        enum CodingKeys: String, CodingKey {
            case credential, active, description
            case eventTypes = "event_types"
        }
    }

    static func id(_ context: VigilRequestContext) throws -> Int64 { try context.positiveID(of: "webhook") }
}
