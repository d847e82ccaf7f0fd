/// Which reveals a cap counts: all of a person's in the shift, or those for cases of one queue
/// or one priority (the most severe material can have a smaller cap than the rest).
public enum ExposureScope: Sendable, Hashable {
    case shift
    case queue(String)
    case priority(Priority)

    /// Whether a reveal counts against this scope's cap (by the queues and priority of its file when it was made).
    public func counts(_ reveal: MediaReveal) -> Bool { applies(queues: reveal.queues, priority: reveal.priority) }

    /// Whether a reveal of a file cited in these queues, at this priority, counts against this scope's cap.
    public func applies(queues: [String], priority: Priority?) -> Bool {
        switch self {
        case .shift: true
        case let .queue(name): queues.contains(name)
        case let .priority(level): priority == level
        }
    }

    /// The scope as the API names it: its kind and its name.
    public var kind: String {
        switch self {
        case .shift: "shift"
        case .queue: "queue"
        case .priority: "priority"
        }
    }

    public var name: String {
        switch self {
        case .shift: ""
        case let .queue(name): name
        case let .priority(level): level.rawValue
        }
    }

    /// "cases in the queue csam", "urgent cases", "files".
    public var words: String {
        switch self {
        case .shift: "files"
        case let .queue(name): "files of cases in the queue \(name)"
        case let .priority(level): "files of \(level.rawValue) cases"
        }
    }

    /// "urgent cases", "the queue csam" (the shift's: "a shift").
    public var capName: String {
        switch self {
        case .shift: "a shift"
        case let .queue(name): "the queue \(name)"
        case let .priority(level): "\(level.rawValue) cases"
        }
    }

    /// A scope named by its kind and name (from the API or a form), or why it cannot be one.
    public static func named(kind: String, name: String) throws(CaseError) -> ExposureScope {
        switch kind {
        case "queue":
            try QueueSLA.checkQueueName(name)
            return .queue(name)
        case "priority":
            guard let level = Priority(rawValue: name) else {
                throw CaseError.invalid("a priority is one of \(Priority.allCases.map(\.rawValue).joined(separator: ", ")), not \(name.debugDescription)")
            }
            return .priority(level)
        default:
            throw CaseError.invalid("a cap's scope is queue or priority, not \(kind.debugDescription)")
        }
    }
}

/// A cap on reveals and on seconds revealed in a shift, for one scope; either may be absent for
/// a queue's or a priority's own cap (the shift's cap always has both).
public struct ExposureLimit: Sendable, Equatable {
    public var scope: ExposureScope
    public var revealsPerShift: Int?
    public var secondsPerShift: Int?

    public static let revealRange = 1...10_000
    public static let secondsRange = 1...86_400

    public init(scope: ExposureScope, revealsPerShift: Int?, secondsPerShift: Int?) {
        self.scope = scope
        self.revealsPerShift = revealsPerShift
        self.secondsPerShift = secondsPerShift
    }

    /// A queue's or a priority's cap as someone asked for it; every problem at once, each naming its field.
    /// A seconds cap below `revealSeconds` (one reveal's length) would refuse every reveal.
    public static func validated(scope: ExposureScope, reveals: Int?, seconds: Int?, revealSeconds: Int) throws(CaseError) -> ExposureLimit {
        var problems: [String] = []
        if scope == .shift { problems.append("the shift's own cap is a setting (exposure_reveals_per_shift, exposure_seconds_per_shift)") }
        if reveals == nil, seconds == nil { problems.append("give reveals_per_shift, seconds_per_shift or both") }
        if let reveals, !revealRange.contains(reveals) { problems.append("reveals_per_shift must be from 1 to 10000 reveals") }
        if let seconds, !(revealSeconds...secondsRange.upperBound).contains(seconds) {
            problems.append("seconds_per_shift must be from \(revealSeconds) (one reveal's length, reveal_seconds) to 86400 seconds")
        }
        guard problems.isEmpty else { throw CaseError.invalid(problems.joined(separator: "; ")) }
        return ExposureLimit(scope: scope, revealsPerShift: reveals, secondsPerShift: seconds)
    }

    /// "10 reveals and 5 min a shift".
    public var words: String {
        [revealsPerShift.map { "\($0) reveal\($0 == 1 ? "" : "s")" }, secondsPerShift.map(ExposureUse.duration)]
            .compactMap { $0 }.joined(separator: " and ") + " a shift"
    }
}
