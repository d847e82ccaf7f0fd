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
    /// Four eyes: this person drafted or edited the report, so another must approve it; or
    /// (`named` false) the approver is a key, the CLI or a proxy role, which names no person.
    case needsSecondPerson(actor: String, report: Int64, named: Bool)

    public var description: String {
        switch self {
        case let .notFound(what): "\(what) not found"
        case let .invalid(message), let .conflict(message, _), let .refused(message): message
        case let .needsSecondPerson(actor, report, named):
            named ? "four eyes: \(actor) drafted or edited report \(report), so another person must approve it"
                : "four eyes: report \(report) is approved by a person signed in to the dashboard; \(actor) names no one (a key, the CLI or a proxy role may be anyone)"
        case let .incomplete(problems): "the report cannot be sent: " + problems.joined(separator: "; ")
        }
    }
}
