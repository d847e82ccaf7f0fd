/// What a reporting request can fail with; the HTTP layer maps each to its status.
public enum ReportError: Error, Sendable, CustomStringConvertible {
    case notFound(String)
    /// The request is wrong (a field, a state it does not apply to); says what and why.
    case invalid(String)
    /// Made on a version that is no longer current; carries the report as it is now.
    case conflict(String, current: Report)
    /// The report cannot be approved or sent as it is (settings, content): every problem.
    case incomplete([String])
    /// What is asked goes against what a reviewer decided (a false positive is not reported).
    case refused(String)

    public var description: String {
        switch self {
        case let .notFound(what): "\(what) not found"
        case let .invalid(message), let .conflict(message, _), let .refused(message): message
        case let .incomplete(problems): "the report cannot be sent: " + problems.joined(separator: "; ")
        }
    }
}
