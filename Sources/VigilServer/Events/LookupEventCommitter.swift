package import Events
import Foundation
import Jobs
package import Logging
package import Lookup

/// The lookup service's recorder: every match's `match.found`, and every lookup's
/// `lookup.completed` while something wants it (the settings, a webhook subscription, a live
/// workflow), committed to the event table before the lookup answers. Commits are grouped
/// (`EventGroupCommit`): lookups that match at the same moment share one transaction, and a
/// lookup that matches nothing and that nobody listens for commits nothing.
package final class LookupEventCommitter: LookupEventRecorder {
    let committer: EventGroupCommit
    /// The lookup event types wanted beyond `match.found` (which is always written).
    let wanted: @Sendable () -> Set<String>
    let metrics: ServerMetrics
    let logger: Logger

    package init(committer: EventGroupCommit, metrics: ServerMetrics, logger: Logger = Logger(label: "vigil.events"),
         wanted: @escaping @Sendable () -> Set<String>) {
        self.committer = committer
        self.metrics = metrics
        self.logger = logger
        self.wanted = wanted
    }

    package func mustRecord(matched: Bool, api: LookupAPI) -> Bool {
        matched || wanted().contains(EventTypes.lookupCompleted)
    }

    package func record(_ event: LookupEvent) async throws {
        let subject = "lookup:\(event.id.uuidString.lowercased())", actor = "api:\(event.api.rawValue)"
        // The lookup's trace: the group commit writes the events from a task of its own.
        let trace = JobTrace.current()
        var events: [NewEvent] = []
        if event.isMatch {
            events.append(NewEvent(type: EventTypes.matchFound, subject: subject, actor: actor,
                                   payload: LookupEventPayload.payload(event, type: EventTypes.matchFound), traceContext: trace))
        }
        if wanted().contains(EventTypes.lookupCompleted) {
            events.append(NewEvent(type: EventTypes.lookupCompleted, subject: subject, actor: actor,
                                   payload: LookupEventPayload.payload(event, type: EventTypes.lookupCompleted), traceContext: trace))
        }
        let start = ContinuousClock.now
        do {
            try await committer.commit(events)
        } catch {
            // The caller is told only that the match was not recorded; why is for the operator.
            logger.error("a lookup's events could not be committed; the lookup is answered 503", metadata: [
                "api": .string(event.api.rawValue), "error": .string(String(describing: error).prefix(300).description)])
            throw error
        }
        metrics.recordEventCommit(events: events.count, duration: start.duration(to: .now))
    }
}
