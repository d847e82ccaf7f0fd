import Foundation
public import Jobs
public import Logging
import Synchronization

/// Writes events that belong to no stored change (a lookup's match) to the event table without
/// making their producer wait: `record` adds the event to a buffer, `run` appends whatever has
/// gathered, in batches. Events recorded while the buffer is full are dropped and counted.
public final class EventRecorder: Sendable {
    let store: any EventStore
    let logger: Logger
    let capacity: Int
    /// Rung after each append (the process's event feed reads at once).
    let appended: Doorbell?
    private let pending = Mutex<[NewEvent]>([])
    private let wake = Doorbell()
    private let dropped = Atomic<Int>(0)

    public init(store: any EventStore, capacity: Int = 10_000, appended: Doorbell? = nil, logger: Logger = Logger(label: "vigil.events")) {
        self.store = store
        self.capacity = capacity
        self.appended = appended
        self.logger = logger
    }

    public var droppedCount: Int { dropped.load(ordering: .relaxed) }

    public func record(_ event: NewEvent) {
        let kept = pending.withLock { events in
            guard events.count < capacity else { return false }
            events.append(event)
            return true
        }
        if kept { wake.ring(); return }
        let count = dropped.add(1, ordering: .relaxed).newValue
        if count == 1 || count % 1000 == 0 { logger.error("event buffer full; events dropped", metadata: ["dropped": .stringConvertible(count)]) }
    }

    /// Appends until cancelled, then writes what is left.
    public func run() async {
        while !Task.isCancelled {
            await wake.wait(timeout: .seconds(1))
            await flush()
        }
        await flush()
    }

    /// Appends everything recorded so far, 500 a transaction.
    public func flush() async {
        let batch = pending.withLock { events in
            defer { events = [] }
            return events
        }
        guard !batch.isEmpty else { return }
        for start in stride(from: 0, to: batch.count, by: 500) {
            let part = Array(batch[start..<min(batch.count, start + 500)])
            do {
                try await store.append(part, at: Date())
            } catch {
                logger.error("recording events failed", metadata: ["count": .stringConvertible(part.count),
                                                                     "error": .string(String(describing: error).prefix(300).description)])
            }
        }
        appended?.ring()
    }
}
