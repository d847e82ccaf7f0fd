public import Events
import Foundation
import JSONValues

/// The event of a run that failed, `workflow.run.failed`: written with the run's status in one
/// transaction (by the workflow store), so a subscription, a dashboard or another workflow hears
/// of every failure.
extension WorkflowRun {
    public var failedEvent: NewEvent {
        var payload: [String: JSONValue] = [
            "run_id": .number(Double(id)), "workflow_id": .string(workflowID), "version": .number(Double(version)),
            "trigger": .string(trigger.rawValue), "error": error.map(JSONValue.string) ?? .null,
        ]
        // What started it, when an event did: a run started by another failure does not start more
        // runs when it fails too (EventTableTriggers), so two workflows cannot feed each other.
        payload["trigger_event_type"] = input.object?["type"]?.string.map(JSONValue.string) ?? .null
        return NewEvent(type: EventTypes.workflowRunFailed, subject: "workflow-run:\(id)", actor: "system:workflows", payload: .object(payload))
    }
}
