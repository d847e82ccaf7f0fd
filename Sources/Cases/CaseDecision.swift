/// What a reviewer decides about a case.
public enum CaseDecision: Sendable, Equatable {
    /// It is what it looked like: resolve as confirmed; optionally add the evidence's signals to
    /// a match bank so the next copy is found at once.
    case confirm(addToBank: String?)
    /// It is not: resolve as a false positive; optionally add its signals to an allow bank so it
    /// never flags again.
    case falsePositive(addToAllowBank: String?)
    case escalate
    /// Give the case to someone (nil: to nobody).
    case assign(String?)
    /// Move to any status of the template that is not the initial one.
    case setStatus(String)
    case setPriority(Priority)
    /// Undo a resolution: the case goes back to its template's initial status, and the bank
    /// entries its resolution added (an allow entry of a false positive, a match entry of a
    /// confirmation) are removed. A case reported to NCMEC stays resolved.
    case reopen

    public var name: String {
        switch self {
        case .confirm: "confirm"
        case .falsePositive: "false_positive"
        case .escalate: "escalate"
        case .assign: "assign"
        case .setStatus: "set_status"
        case .setPriority: "set_priority"
        case .reopen: "reopen"
        }
    }
}

/// A decision as a reviewer makes it: on the version of the case they were looking at.
public struct DecisionRequest: Sendable {
    public var decision: CaseDecision
    /// The version the reviewer saw; another change since then is a conflict. People must give
    /// it (the API refuses a decision without one); nil is for workflow steps, which decide on
    /// whatever the case is, and a resolved case still refuses a second resolution.
    public var expectedVersion: Int?
    public var note: String?
    public var actor: String

    public init(decision: CaseDecision, expectedVersion: Int? = nil, note: String? = nil, actor: String) {
        self.decision = decision
        self.expectedVersion = expectedVersion
        self.note = note
        self.actor = actor
    }
}
