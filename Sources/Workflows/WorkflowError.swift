/// Why a workflow request was refused; the HTTP layer maps each to a status.
public enum WorkflowError: Error, Sendable, Equatable, CustomStringConvertible {
    case notFound(String)
    case runNotFound(Int64)
    case versionNotFound(workflow: String, version: Int)
    case duplicateName(String)
    case invalid([ValidationIssue])
    /// A run's input does not fit the trigger's parameters.
    case invalidInput(String)
    case notPublished(String)
    /// The same idempotency key was used for a run with other input.
    case idempotencyConflict(key: String, run: Int64)
    /// The request conflicts with the workflow's state (delete with unfinished runs, cancel a finished run).
    case conflict(String)

    public var description: String {
        switch self {
        case let .notFound(name): "workflow \"\(name)\" not found"
        case let .runNotFound(id): "workflow run \(id) not found"
        case let .versionNotFound(workflow, version): "workflow \(workflow) has no version \(version)"
        case let .duplicateName(name): "a workflow named \"\(name)\" exists already"
        case let .invalid(issues): WorkflowInvalid(issues: issues).description
        case let .invalidInput(message): message
        case let .notPublished(name): "workflow \"\(name)\" has no published version: publish it first"
        case let .idempotencyConflict(key, run): "Idempotency-Key \"\(key)\" was used for run \(run) with other input"
        case let .conflict(message): message
        }
    }
}
