import Events
import Jobs
import VigilServer
import Workflows
import Foundation

/// How a committed event reaches what waits on it: the SSE feed, the job workers (webhook
/// deliveries) and the workflow triggers. Each is woken for the events it waits on, not for every
/// commit: at hundreds of matches a second, waking every worker and follower each time would take
/// more of the database than the commits themselves.
struct EventWiring {
    let feed: EventFeed
    let committer: EventGroupCommit
    let triggerBell = Doorbell()
    /// The lookup event types written beyond `match.found` (settings, and what subscriptions want).
    let recordedLookupEvents = EventTypeSet()
    /// The event types (and families) the active webhook subscriptions want.
    let webhookTypes = EventTypeSet()

    init(stores: Stores, jobs: JobQueue, triggers: EventTriggers, settings: ServerSettings, metrics: ServerMetrics,
         clock: @escaping @Sendable () -> Date) {
        let (webhookTypes, triggerBell) = (self.webhookTypes, self.triggerBell)
        let wake: @Sendable ([String]) -> Void = { [doorbell = jobs.doorbell] types in
            let patterns = webhookTypes.types
            if types.contains(where: { EventTypes.matches(Array(patterns), $0) }) { doorbell.ring() }
            if types.contains(where: { triggers.wants($0) }) { triggerBell.ring() }
        }
        let feed = EventFeed(store: stores.events, onNewEvents: { page in wake(page.map(\.type)) },
                             needsPages: { !webhookTypes.types.isEmpty || !triggers.listenedTypes.isEmpty })
        self.feed = feed
        committer = EventGroupCommit(store: stores.events, clock: clock, committed: { events in
            if feed.hasSubscribers { feed.doorbell.ring() }
            wake(events.map(\.type))
            metrics.recordEventTransaction()
        })
        recordedLookupEvents.set(VigilService.configuredLookupEvents(settings))
    }
}
