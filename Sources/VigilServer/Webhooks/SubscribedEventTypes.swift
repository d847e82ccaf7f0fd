package import Events
import Synchronization

/// Which event types the active webhook subscriptions want, and so which lookup events are
/// written beyond `match.found` (which every match writes). Read again after a subscription
/// changes here, and every few seconds for changes made on other replicas.
public final class SubscribedEventTypes: Sendable {
    private let webhooks: WebhookService
    private let recordsLookups: Bool
    /// The lookup event types written beyond `match.found`: settings, and what subscriptions want.
    package let recordedLookupEvents = EventTypeSet()
    /// The event types (and families) the active webhook subscriptions want.
    package let webhookTypes = EventTypeSet()

    package init(webhooks: WebhookService, settings: ServerSettings) {
        self.webhooks = webhooks
        recordsLookups = settings.recordLookupEvents
        recordedLookupEvents.set(configured)
    }

    private var configured: Set<String> { recordsLookups ? [EventTypes.lookupCompleted] : [] }

    public func refresh() async throws {
        var types = configured
        let active = try await webhooks.list().filter(\.active)
        for subscription in active where subscription.wants(EventTypes.lookupCompleted) {
            types.insert(EventTypes.lookupCompleted)
        }
        recordedLookupEvents.set(types)
        webhookTypes.set(Set(active.flatMap(\.eventTypes)))
    }
}

/// A set of event types read on every lookup and replaced now and then.
package final class EventTypeSet: Sendable {
    private let state = Mutex<Set<String>>([])
    package init() {}
    package var types: Set<String> { state.withLock { $0 } }
    package func set(_ types: Set<String>) { state.withLock { $0 = types } }
}
