import Foundation
public import Jobs
public import Logging
import Synchronization

/// Follows the event table for this process and hands every new event to its subscribers (the
/// SSE streams), so a thousand open streams cost one query a poll, not a thousand. Woken by
/// `doorbell` (a local append, PostgreSQL's NOTIFY), and polling every `pollInterval` otherwise.
public final class EventFeed: Sendable {
    let store: any EventStore
    public let doorbell: Doorbell
    let pollInterval: Duration
    let logger: Logger
    /// Told the events of each new page it read (so what waits on some of them, webhook
    /// deliveries or triggers, is woken for those alone).
    let onNewEvents: @Sendable ([Event]) -> Void
    /// Whether `onNewEvents` needs the pages while no stream follows the feed; when it does not,
    /// the feed only keeps its place (one `MAX(id)` a poll) instead of reading every event.
    let needsPages: @Sendable () -> Bool
    private struct State {
        var last: Int64 = -1
        var nextID = 0
        var subscribers: [Int: AsyncStream<Event>.Continuation] = [:]
    }
    private let state = Mutex(State())

    public init(store: any EventStore, doorbell: Doorbell = Doorbell(), pollInterval: Duration = .milliseconds(200),
                logger: Logger = Logger(label: "vigil.events"), onNewEvents: @escaping @Sendable ([Event]) -> Void = { _ in },
                needsPages: @escaping @Sendable () -> Bool = { true }) {
        self.needsPages = needsPages
        self.store = store
        self.doorbell = doorbell
        self.pollInterval = pollInterval
        self.logger = logger
        self.onNewEvents = onNewEvents
    }

    /// Whether a stream is following it (a commit need not wake it otherwise: it polls anyway).
    public var hasSubscribers: Bool { state.withLock { !$0.subscribers.isEmpty } }

    /// Polls until cancelled.
    public func run() async {
        while !Task.isCancelled {
            do {
                if try await pollOnce() { continue }
            } catch {
                logger.warning("reading the event table failed", metadata: ["error": .string(String(describing: error).prefix(300).description)])
            }
            await doorbell.wait(timeout: pollInterval)
        }
        let subscribers = state.withLock { $0.subscribers.values }
        for subscriber in subscribers { subscriber.finish() }
    }

    /// Reads what is new and fans it out; true when a full page came (more may be waiting).
    @discardableResult
    public func pollOnce() async throws -> Bool {
        var last = state.withLock { $0.last }
        if last < 0 {
            last = try await store.latestID()
            state.withLock { $0.last = last }
        }
        if !hasSubscribers, !needsPages() {
            let latest = try await store.latestID()
            // A subscriber reads its history from the table itself: only the place is kept.
            state.withLock { $0.last = max($0.last, latest) }
            return false
        }
        let page = try await store.events(after: last, types: nil, limit: 500)
        guard let newest = page.last else { return false }
        onNewEvents(page)
        let subscribers = state.withLock { state in
            state.last = newest.id
            return state.subscribers
        }
        for (id, subscriber) in subscribers {
            for event in page {
                // A consumer this far behind is ended rather than given a gap: its client
                // reconnects with the last id it got and reads the rest from the table.
                if case .dropped = subscriber.yield(event) {
                    unsubscribe(id)
                    break
                }
            }
        }
        return page.count == 500
    }

    /// Every event after `lastID` (the history from the table, then live ones as they commit),
    /// only those `patterns` name when given (`EventTypes.matches`), until the consumer stops
    /// iterating. The live subscription opens before the history is read, so nothing falls in
    /// between.
    public func events(after lastID: Int64, types patterns: [String]?) -> AsyncThrowingStream<Event, any Error> {
        let filter = EventTypeFilter(patterns)
        let (live, continuation) = AsyncStream<Event>.makeStream(bufferingPolicy: .bufferingOldest(10_000))
        let id = state.withLock { state in
            state.nextID += 1
            state.subscribers[state.nextID] = continuation
            return state.nextID
        }
        let store = self.store
        return AsyncThrowingStream { output in
            let task = Task {
                var cursor = lastID
                do {
                    // History: pages of the table, until it has nothing after the cursor.
                    while true {
                        let page = try await store.events(after: cursor, types: filter.exactTypes, limit: 500)
                        for event in page where filter.admits(event.type) { output.yield(event) }
                        guard let newest = page.last else { break }
                        cursor = newest.id
                        if page.count < 500 { break }
                    }
                    for await event in live {
                        guard event.id > cursor else { continue }
                        cursor = event.id
                        if !filter.admits(event.type) { continue }
                        output.yield(event)
                    }
                    output.finish()
                } catch {
                    output.finish(throwing: error)
                }
            }
            output.onTermination = { [weak self] _ in
                task.cancel()
                self?.unsubscribe(id)
            }
        }
    }

    private func unsubscribe(_ id: Int) {
        let continuation = state.withLock { $0.subscribers.removeValue(forKey: id) }
        continuation?.finish()
    }
}
