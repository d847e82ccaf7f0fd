import Foundation
import Jobs
public import JSONValues
public import Logging
import Synchronization

/// The live event-triggered workflows, and the runs an event starts: one run of each live
/// workflow that listens for its type and whose condition holds, keyed by the event's id, so an
/// event starts at most one run per workflow however often it is delivered. `EventTableTriggers`
/// delivers every event from the event table.
///
/// Fails closed: a stored condition that does not parse never holds. Each event it would have
/// been asked about starts a run that fails at once, saying why, so the broken workflow shows up
/// among the failed runs (and as `workflow.run.failed`) instead of firing on every event.
public final class EventTriggers: Sendable {
    let workflows: WorkflowService
    let logger: Logger
    /// Where trigger conditions are evaluated (off the cooperative pool, each on a budget).
    let evaluation: any ExpressionThreads
    /// The live event-triggered versions with their parsed conditions, read again before each
    /// page of events is delivered and every second otherwise.
    private let live = Mutex<[Trigger]>([])
    /// The event types some live workflow listens for, so a lookup that nobody listens for costs
    /// one look into this set and writes no event.
    private let listened = Mutex<Set<String>>([])

    struct Trigger: Sendable {
        let version: WorkflowVersion
        let condition: Condition
    }

    enum Condition: Sendable {
        case always
        case expression(Expression)
        /// The stored text does not parse (it was checked when published; a rollback or an older
        /// version's stored definition may not hold): never true.
        case broken(String)
    }

    public init(workflows: WorkflowService, evaluation: any ExpressionThreads = CallerThread(), logger: Logger = Logger(label: "vigil.workflows")) {
        self.evaluation = evaluation
        self.workflows = workflows
        self.logger = logger
    }

    /// Whether a live workflow listens for `type` (as of the last read, at most a second old).
    public func wants(_ type: String) -> Bool { listened.withLock { $0.contains(type) } }

    /// Every event type some live workflow listens for (as of the last read).
    public var listenedTypes: Set<String> { listened.withLock { $0 } }

    /// Reads the live workflows every second until cancelled (for `wants`, between pages).
    public func run() async {
        while !Task.isCancelled {
            do { try await refresh() } catch {
                logger.error("reading event-triggered workflows failed", metadata: ["error": .string(String(describing: error).prefix(300).description)])
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// Starts a run of every live workflow that listens for `type` and whose condition holds; each
    /// run continues `traceContext`, the trace the event was written in.
    public func deliver(type: String, payload: JSONValue, traceContext: String? = nil) async throws {
        let eventID = payload.object?["event_id"]?.string ?? UUID().uuidString.lowercased()
        for trigger in live.withLock({ $0 }) {
            let version = trigger.version
            guard version.definition.trigger.events?.contains(type) == true else { continue }
            var failure: String?
            switch trigger.condition {
            case .always: break
            case let .expression(condition):
                do {
                    let holds = try await evaluation.run { ExpressionEvaluator.truth(try ExpressionEvaluator.evaluate(condition, in: .object(["trigger": payload]))) }
                    guard holds else { continue }
                } catch {
                    // Fail closed: an event the condition cannot be decided for starts a failed run that says why.
                    failure = "the trigger's condition could not be decided for this event: \(error)"
                }
            case let .broken(reason):
                logger.error("a workflow's trigger condition does not parse; its run fails", metadata: [
                    "workflow": .string(version.workflowID), "version": .stringConvertible(version.version), "error": .string(reason)])
                failure = "the trigger's condition does not parse (\(reason)): it never holds; publish a corrected version"
            }
            let run = NewRun(workflowID: version.workflowID, version: version.version, trigger: .event, input: payload,
                             idempotencyKey: "event:\(eventID)", failure: failure)
            _ = try await JobTrace.continuing(traceContext) { try await workflows.createRun(run) }
        }
    }

    /// Reads the live event-triggered workflows now.
    public func refresh() async throws {
        let versions = try await workflows.liveEventVersions()
        // Conditions were checked when published: parsed once here, not once per event.
        let triggers = versions.map { version -> Trigger in
            guard let text = version.definition.trigger.condition else { return Trigger(version: version, condition: .always) }
            do {
                return Trigger(version: version, condition: .expression(try ExpressionParser.parse(text)))
            } catch {
                return Trigger(version: version, condition: .broken(String(describing: error)))
            }
        }
        live.withLock { $0 = triggers }
        listened.withLock { $0 = Set(versions.flatMap { $0.definition.trigger.events ?? [] }) }
    }
}
