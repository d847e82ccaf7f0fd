import Basics
public import Events
public import Jobs
import Foundation
import JSONValues
public import Logging

/// Starts event-triggered workflows from the event table: every event, committed by any process
/// (a lookup's match is committed before the lookup answers). Every replica follows the table
/// from a shared cursor; a run is keyed by the event's id, so a replica that delivers an event
/// another has delivered starts nothing. The cursor is saved after each page, once its runs are
/// committed, so a crash or a restart resumes where the last reader stopped and loses no event.
public struct EventTableTriggers: Sendable {
    let triggers: EventTriggers
    let events: any EventStore
    let logger: Logger
    static let cursorName = "workflow-triggers"

    public init(triggers: EventTriggers, events: any EventStore, logger: Logger = Logger(label: "vigil.workflows")) {
        self.triggers = triggers
        self.events = events
        self.logger = logger
    }

    /// Places the shared cursor, if no reader ever did, at the end of the table: events from
    /// before workflows were followed start nothing. `vigil serve` calls it before it answers
    /// ready, so every event committed once it serves is delivered.
    @discardableResult
    public func start() async throws -> Int64 {
        if let saved = try await events.cursor(Self.cursorName) { return saved }
        let cursor = try await events.latestID()
        try await events.saveCursor(Self.cursorName, position: cursor)
        return try await events.cursor(Self.cursorName) ?? cursor
    }

    /// Delivers what is new; true when a full page came (more may be waiting).
    @discardableResult
    public func deliverNew() async throws -> Bool {
        let cursor = try await start()
        // Read first: ids grow in commit order, so every event up to `latest` is visible to the
        // page's query below, and the cursor may move past those no workflow wants.
        let latest = try await events.latestID()
        guard latest > cursor else { return false }
        // The workflows as they are now: one published a moment ago starts on this page's events.
        try await triggers.refresh()
        let wanted = triggers.listenedTypes
        // Only the events some live workflow listens for are read (at hundreds of matches a
        // second and no workflow on them, reading every one would cost more than writing it).
        let page = wanted.isEmpty ? [] : try await events.events(after: cursor, types: wanted, limit: 200)
        for event in page where Self.startsRuns(event) && triggers.wants(event.type) {
            try await triggers.deliver(type: event.type, payload: Self.payload(event), traceContext: event.traceContext)
        }
        let full = page.count == 200
        try await events.saveCursor(Self.cursorName, position: full ? page[page.count - 1].id : max(page.last?.id ?? cursor, latest))
        return full
    }

    /// Follows the table until cancelled, woken by `wake` or every `interval`.
    public func run(wake: Doorbell, interval: Duration = .milliseconds(500)) async {
        while !Task.isCancelled {
            do {
                if try await deliverNew() { continue }
            } catch {
                logger.error("starting workflows from the event table failed", metadata: ["error": .string(String(describing: error).prefix(300).description)])
            }
            await wake.wait(timeout: interval)
        }
    }

    /// Whether an event may start runs. A workflow step's own lookup starts none (a workflow that
    /// listens for lookups and looks images up would start itself for ever), nor does a draft's
    /// test run's (it is a trial, not an upload), nor does the failure
    /// of a run that a failure started (two workflows would feed each other).
    static func startsRuns(_ event: Event) -> Bool {
        switch event.type {
        case EventTypes.lookupCompleted, EventTypes.matchFound:
            return !["integration", "trial"].contains(event.payload.object?["api"]?.string ?? "")
        case EventTypes.workflowRunFailed:
            return event.payload.object?["trigger_event_type"]?.string != EventTypes.workflowRunFailed
        default:
            return true
        }
    }

    /// An event as a trigger payload: its data with its id, type, time and actor.
    static func payload(_ event: Event) -> JSONValue {
        var payload = event.payload.object ?? [:]
        payload["event_id"] = .string("evt-\(event.id)")
        payload["type"] = .string(event.type)
        payload["at"] = .string(Timestamp.iso8601(event.at))
        payload["actor"] = .string(event.actor)
        return .object(payload)
    }
}
