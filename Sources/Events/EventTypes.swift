/// The event types Vigil emits, one name each, so producers and consumers never spell them twice.
public enum EventTypes {
    public static let lookupCompleted = "lookup.completed"
    public static let matchFound = "match.found"
    public static let caseCreated = "case.created"
    public static let caseStatusUpdated = "case.status-updated"
    public static let caseUpdated = "case.updated"
    public static let caseEscalated = "case.escalated"
    public static let caseAssigned = "case.assigned"
    public static let caseCommented = "case.commented"
    public static let caseEvidenceAdded = "case.evidence-added"
    public static let caseAccountLinked = "case.account-linked"
    public static let accountCreated = "account.created"
    public static let accountUpdated = "account.updated"
    public static let accountStatusUpdated = "account.status-updated"
    public static let accountBlocked = "account.blocked"
    public static let accountUnblocked = "account.unblocked"
    public static let evidenceRevealed = "evidence.revealed"
    public static let evidencePurged = "evidence.purged"
    public static let reportDrafted = "report.drafted"
    public static let reportApproved = "report.approved"
    public static let reportFailed = "report.failed"
    public static let reportRetracted = "report.retracted"
    public static let reportSubmitted = "report.submitted"
    public static let workflowRunFailed = "workflow.run.failed"
    public static let entryQuarantined = "bank.entry-quarantined"

    /// Every type, for validating a subscription's or a stream's filter.
    public static let all: [String] = [
        lookupCompleted, matchFound, caseCreated, caseStatusUpdated, caseUpdated, caseEscalated, caseAssigned, caseCommented, caseEvidenceAdded,
        caseAccountLinked, accountCreated, accountUpdated, accountStatusUpdated, accountBlocked, accountUnblocked, evidenceRevealed,
        evidencePurged, reportDrafted, reportApproved, reportFailed, reportRetracted, reportSubmitted, workflowRunFailed, entryQuarantined,
    ]

    /// Whether `type` is one the patterns name: exactly, by family (`case.*`) or all (`*`).
    public static func matches(_ patterns: [String], _ type: String) -> Bool {
        patterns.contains { pattern in
            pattern == "*" || pattern == type || (pattern.hasSuffix(".*") && type.hasPrefix(pattern.dropLast()))
        }
    }

    /// The problem with a list of patterns (nil when every one names a known type or family).
    public static func problem(_ patterns: [String]) -> String? {
        for pattern in patterns where pattern != "*" {
            let known = pattern.hasSuffix(".*") ? all.contains { $0.hasPrefix(pattern.dropLast()) } : all.contains(pattern)
            if !known { return "\(pattern) is not an event type (known: \(all.joined(separator: ", ")), or a family such as case.*, or *)" }
        }
        return nil
    }
}
