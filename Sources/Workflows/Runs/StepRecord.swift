public import Foundation
public import JSONValues

/// What one step of a run did: committed at every transition, so a run resumes from it and its
/// history shows each step's input, output, timing, attempts and error (secrets redacted).
public struct StepRecord: Sendable, Equatable {
    public var runID: Int64
    public var stepID: String
    public var status: StepStatus
    /// Tries started, the one running included.
    public var attempts: Int
    public var input: JSONValue?
    public var output: JSONValue?
    public var error: String?
    public var startedAt: Date
    public var finishedAt: Date?
    /// While `retrying`: when the next try may start.
    public var nextAttemptAt: Date?
    /// The job worker (host/process/id) that performed the latest try: which replica ran it.
    public var worker: String?

    public init(runID: Int64, stepID: String, status: StepStatus, attempts: Int, input: JSONValue?, output: JSONValue?, error: String?,
                startedAt: Date, finishedAt: Date?, nextAttemptAt: Date?, worker: String? = nil) {
        self.runID = runID
        self.stepID = stepID
        self.status = status
        self.attempts = attempts
        self.input = input
        self.output = output
        self.error = error
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.nextAttemptAt = nextAttemptAt
        self.worker = worker
    }

    /// What later steps read as `steps.<id>`.
    var scopeValue: JSONValue {
        .object(["output": output ?? .null, "status": .string(status.rawValue), "error": error.map(JSONValue.string) ?? .null,
                 "attempts": .number(Double(attempts))])
    }
}

public enum StepStatus: String, Sendable, CaseIterable, Codable {
    case running
    /// Failed, and waits for its next try.
    case retrying
    case succeeded
    /// Failed for good (a `continue_on_error` step's run goes on).
    case failed
}
