import Basics
import AsyncHTTPClient
public import Events
public import Foundation
public import Integrations
public import Jobs
import JSONValues
public import SafeFetch

/// Delivers one event to one webhook subscription (`webhook.deliver` jobs, queued with the
/// event). At least once: a receiver deduplicates by the event id. In order per subject: a
/// delivery waits while an earlier one of its subject to the same subscription is pending.
/// A receiver that is not reached or answers an error is tried again with backoff for up to 24
/// hours after the event; then the delivery is failed (and can be redelivered by hand). A URL the
/// outbound rules refuse fails at once: asking again cannot change that.
public struct WebhookDeliveryJob: JobHandler {
    public let kind = WebhookDelivery.jobKind
    /// Posting twice is what "at least once" allows; the receiver deduplicates by event id.
    public let safeToRepeat = true
    let webhooks: any WebhookStore
    let events: any EventStore
    let credentials: CredentialService
    let fetcher: SafeURLFetcher
    let gate: OutboundGate
    let timeout: Duration
    let window: TimeInterval
    let clock: @Sendable () -> Date
    /// Told every attempt's outcome by event type: delivered, retry or failed (the server's metrics).
    let observe: @Sendable (_ eventType: String, _ outcome: String) -> Void
    /// Where a chat message's links lead (a subscription with a Slack or Teams credential).
    let links: DashboardLinks

    public init(webhooks: any WebhookStore, events: any EventStore, credentials: CredentialService, fetcher: SafeURLFetcher,
                timeout: Duration = .seconds(10), window: TimeInterval = 24 * 3600, links: DashboardLinks = DashboardLinks(base: nil),
                clock: @escaping @Sendable () -> Date = { Date() }, observe: @escaping @Sendable (String, String) -> Void = { _, _ in }) {
        self.observe = observe
        self.links = links
        self.webhooks = webhooks
        self.events = events
        self.credentials = credentials
        self.fetcher = fetcher
        self.gate = fetcher.gate
        self.timeout = timeout
        self.window = window
        self.clock = clock
    }

    struct Payload: Decodable { let delivery: Int64 }

    public func run(_ job: Job, context: JobContext) async throws -> String? {
        let payload = try JobText.payload(Payload.self, of: job)
        guard let delivery = try await webhooks.delivery(id: payload.delivery) else {
            return try JobText.outcome("the delivery no longer exists (its subscription was deleted)")
        }
        // Delivered already (a job run again after its worker died after the POST): done.
        guard delivery.state == .pending else { return try JobText.outcome("\(delivery.state.rawValue) already") }
        let now = clock()
        if try await webhooks.hasEarlierPending(delivery) {
            // The earlier one wakes this one when it ends; the wait is only a backstop.
            throw JobPostponed(until: now.addingTimeInterval(min(30, Double(max(1, job.attempts)))),
                               reason: "waiting for an earlier delivery of \(delivery.subject)")
        }
        guard let event = try await events.events(after: delivery.eventID - 1, types: nil, limit: 1).first, event.id == delivery.eventID else {
            try await webhooks.recordAttempt(id: delivery.id, state: .failed, status: nil, error: "event \(delivery.eventID) no longer exists", at: now, fence: job.lease)
            throw JobFailure.permanent("event \(delivery.eventID) no longer exists")
        }
        guard let subscription = try await webhooks.subscription(id: delivery.subscriptionID) else {
            return try JobText.outcome("the subscription was deleted")
        }
        let outcome = await attempt(event, delivery: delivery, subscription: subscription, at: now)
        switch outcome {
        case let .delivered(status):
            try await webhooks.recordAttempt(id: delivery.id, state: .delivered, status: status, error: nil, at: clock(), fence: job.lease)
            observe(event.type, "delivered")
            return try JobText.encode(["status": status])
        case let .refused(reason):
            try await webhooks.recordAttempt(id: delivery.id, state: .failed, status: nil, error: reason, at: clock(), fence: job.lease)
            observe(event.type, "failed")
            throw JobFailure.permanent(reason)
        case let .failed(status, reason):
            // Past the window: give up (the log shows why; a person can redeliver).
            if clock().timeIntervalSince(event.at) >= window || !subscription.active {
                let why = subscription.active ? "gave up after 24 hours: \(reason)" : "the subscription is paused: \(reason)"
                try await webhooks.recordAttempt(id: delivery.id, state: .failed, status: status, error: why, at: clock(), fence: job.lease)
                observe(event.type, "failed")
                throw JobFailure.permanent(why)
            }
            try await webhooks.recordAttempt(id: delivery.id, state: .pending, status: status, error: reason, at: clock(), fence: job.lease)
            observe(event.type, "retry")
            throw JobPostponed(until: clock().addingTimeInterval(Self.backoff.seconds(after: delivery.attempts + 1)), reason: reason)
        }
    }

    /// The delivery's job keeps dying: the delivery is failed, saying why (a person can redeliver).
    public func abandon(_ job: Job, reason: String, lease: JobLease) async throws {
        let payload = try JobText.payload(Payload.self, of: job)
        guard let delivery = try await webhooks.delivery(id: payload.delivery), delivery.state == .pending else { return }
        try await webhooks.recordAttempt(id: delivery.id, state: .failed, status: nil, error: "the delivery \(reason)", at: clock(), fence: lease)
    }

    enum Outcome {
        case delivered(Int)
        case failed(Int?, String)
        /// The outbound rules refuse the URL: asking again cannot change that, so it is not retried.
        case refused(String)
    }

    func attempt(_ event: Event, delivery: WebhookDelivery, subscription: WebhookSubscription, at now: Date) async -> Outcome {
        guard subscription.active else { return .failed(nil, "the subscription is paused") }
        let credential: OpenedCredential
        do { credential = try await credentials.open(id: subscription.credentialID) } catch {
            return .failed(nil, "credential \(subscription.credentialID) cannot be opened: \(error)")
        }
        if Integrations.chatIntegrations.contains(credential.integration) { return await tell(event, credential) }
        guard credential.integration == "webhook", let url = credential.values["url"], let secret = try? credential.secret("signing_secret") else {
            return .failed(nil, "credential \(subscription.credentialID) is not a webhook credential with a URL and a signing secret")
        }
        if let refused = await destinationProblem(url, credential, "the webhook URL") { return refused }
        let body = Array(Self.body(event, delivery: delivery).utf8)
        do {
            let answer = try await WebhookSignature.post(body, to: url, secret: secret, gate: gate, timeout: timeout,
                                                         headers: [("Vigil-Event-Id", String(event.id)), ("Vigil-Delivery-Id", String(delivery.id))], at: now)
            if (200..<300).contains(answer.status) { return .delivered(answer.status) }
            return .failed(answer.status, "the receiver answered HTTP \(answer.status)")
        } catch .refused(let refusal) {
            return .refused(WebhookURLText.hiding(url, in: "the webhook URL is refused: \(refusal)"))
        } catch {
            return .failed(nil, credential.redacting(WebhookURLText.hiding(url, in: "the receiver was not reached: \(error)")))
        }
    }

    /// Why a delivery cannot go to `url` now, or nil when it may. Checked at every delivery: the
    /// name may resolve elsewhere than when it was saved. A refusal by the rules is permanent;
    /// a check that could not be made is tried again. The words name the URL's origin only.
    func destinationProblem(_ url: String, _ credential: OpenedCredential, _ what: String) async -> Outcome? {
        do {
            _ = try await fetcher.checkDestination(url)
            return nil
        } catch where error.isPermanentRefusal {
            return .refused(credential.redacting(WebhookURLText.hiding(url, in: "\(what) is refused: \(error)")))
        } catch {
            return .failed(nil, credential.redacting(WebhookURLText.hiding(url, in: "\(what) was not checked: \(error)")))
        }
    }

    /// A subscription with a Slack or Teams credential: the event as a chat message in the
    /// service's own format (its receiver cannot check a signature, and reads people's words).
    func tell(_ event: Event, _ credential: OpenedCredential) async -> Outcome {
        let url: String
        do { url = try ChatPost.webhookURL(of: credential) } catch { return .refused(error.description) }
        if let refused = await destinationProblem(url, credential, "the chat webhook") { return refused }
        switch await ChatPost.send(EventChatNotice.notice(event, links: links), with: credential, gate: gate, timeout: timeout) {
        case let .answered(status) where (200..<300).contains(status): return .delivered(status)
        case let .answered(status) where [400, 401, 403, 404, 410].contains(status):
            // The message or the webhook is refused (a removed webhook, an archived channel):
            // asking again for a day cannot change that, and would hold the subject's later events.
            return .refused("the chat webhook refused the message with HTTP \(status)")
        case let .answered(status): return .failed(status, "the chat webhook answered HTTP \(status)")
        case let .notReached(reason): return .failed(nil, "the chat webhook was not reached: \(reason)")
        case let .refused(reason): return .refused("the chat webhook is refused: \(reason)")
        }
    }

    /// What the receiver gets: the event with its id (to deduplicate), type, subject and data.
    static func body(_ event: Event, delivery: WebhookDelivery) -> String {
        WebhookEnvelope(id: String(event.id), type: event.type, createdAt: event.at, data: event.payload,
                        extra: ["subject": .string(event.subject), "actor": .string(event.actor), "delivery_id": .string(String(delivery.id))]).json.text
    }

    /// From 2 s, doubling, up to an hour between tries.
    static let backoff = Backoff(first: .seconds(2), cap: .seconds(3600))
}
