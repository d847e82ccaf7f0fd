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
    /// What the webhook subscriptions want: which lookup events are written, which wake the workers.
    let subscribed: SubscribedEventTypes

    init(stores: Stores, jobs: JobQueue, triggers: EventTriggers, subscribed: SubscribedEventTypes, metrics: ServerMetrics,
         clock: @escaping @Sendable () -> Date) {
        self.subscribed = subscribed
        let (webhookTypes, triggerBell) = (subscribed.webhookTypes, self.triggerBell)
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
    }
}
