import Foundation
public import JSONValues
public import Logging
import Synchronization

/// Starts runs of the live event-triggered workflows when an event arrives. `publish` only hands
/// the event to a buffer and returns, so the caller (a lookup answering its client) never
/// waits; `run` drains the buffer. A run is keyed by the event's id, so an event starts at most
/// one run per workflow.
public final class EventTriggers: Sendable {
    let workflows: WorkflowService
    let logger: Logger
    /// An event as published: its type and how to make its payload. The payload is made by the
    /// consumer, off the publisher's path (a lookup's answer waits for none of it).
    typealias Pending = (type: String, payload: @Sendable () -> JSONValue)
    private let stream: AsyncStream<Pending>
    private let continuation: AsyncStream<Pending>.Continuation
    private let dropped = Atomic<Int>(0)
    /// The live event-triggered versions, read again every second (and at once after a publish
    /// in this process).
    private let live = Mutex<[(version: WorkflowVersion, condition: Expression?)]>([])
    /// The event types some live workflow listens for, so a lookup that nobody listens for costs
    /// one look into this set and builds no event.
    private let listened = Mutex<Set<String>>([])

    public init(workflows: WorkflowService, buffer: Int = 10_000, logger: Logger = Logger(label: "vigil.workflows")) {
        self.workflows = workflows
        self.logger = logger
        (stream, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingOldest(buffer))
    }

    /// Events not delivered because the buffer was full (the process is far behind).
    public var droppedCount: Int { dropped.load(ordering: .relaxed) }

    /// Whether a live workflow listens for `type` (as of the last read, at most a second old).
    public func wants(_ type: String) -> Bool { listened.withLock { $0.contains(type) } }

    public func publish(type: String, payload: @escaping @Sendable () -> JSONValue) {
        if case .dropped = continuation.yield((type, payload)) {
            let count = dropped.add(1, ordering: .relaxed).newValue
            if count == 1 || count % 1000 == 0 {
                logger.error("workflow event buffer full; events dropped", metadata: ["dropped": .stringConvertible(count)])
            }
        }
    }

    /// Drains events until the task is cancelled, and reads the live workflows every second.
    public func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { [self] in
                while !Task.isCancelled {
                    do { try await refresh() } catch {
                        logger.error("reading event-triggered workflows failed", metadata: ["error": .string(String(describing: error).prefix(300).description)])
                    }
                    try? await Task.sleep(for: .seconds(1))
                }
            }
            for await event in stream {
                if Task.isCancelled { break }
                do {
                    try await deliver(type: event.type, payload: event.payload())
                } catch {
                    logger.error("starting event-triggered runs failed", metadata: ["type": .string(event.type),
                                                                                     "error": .string(String(describing: error).prefix(300).description)])
                }
            }
            group.cancelAll()
        }
    }

    public func finish() { continuation.finish() }

    /// Starts a run of every live workflow that listens for `type` and whose condition holds.
    public func deliver(type: String, payload: JSONValue) async throws {
        for (version, condition) in live.withLock({ $0 }) {
            guard version.definition.trigger.events?.contains(type) == true else { continue }
            if let condition, !ExpressionEvaluator.truth(ExpressionEvaluator.evaluate(condition, in: .object(["trigger": payload]))) {
                continue
            }
            let eventID = payload.object?["event_id"]?.string ?? UUID().uuidString.lowercased()
            _ = try await workflows.createRun(NewRun(workflowID: version.workflowID, version: version.version, trigger: .event, input: payload,
                                                     idempotencyKey: "event:\(eventID)"))
        }
    }

    /// Reads the live event-triggered workflows now (after a publish in this process; every
    /// second otherwise, for publishes on other replicas).
    public func refresh() async throws {
        let versions = try await workflows.store.liveEventVersions()
        // Conditions were checked when published: parsed once here, not once per event.
        live.withLock { $0 = versions.map { ($0, $0.definition.trigger.condition.flatMap { try? ExpressionParser.parse($0) }) } }
        listened.withLock { $0 = Set(versions.flatMap { $0.definition.trigger.events ?? [] }) }
    }
}
