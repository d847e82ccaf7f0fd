/// One thing wrong with a definition: which step (nil: the trigger or the workflow itself),
/// which field of it, and what is wrong, in words a workflow author can act on.
public struct ValidationIssue: Sendable, Equatable, Encodable, CustomStringConvertible {
    public var step: String?
    public var field: String
    public var message: String

    public init(step: String?, field: String, message: String) {
        self.step = step
        self.field = field
        self.message = message
    }

    public var description: String {
        if let step { return "step \(step), \(field): \(message)" }
        return "\(field): \(message)"
    }
}

/// A definition the validator refused, with everything it found.
public struct WorkflowInvalid: Error, Sendable, CustomStringConvertible {
    public var issues: [ValidationIssue]

    public var description: String {
        "the workflow is not valid: " + issues.prefix(5).map(\.description).joined(separator: "; ")
            + (issues.count > 5 ? "; and \(issues.count - 5) more" : "")
    }
}
