public import Foundation

/// One CyberTipline report, from its draft to NCMEC's receipt. What is reported (`content`,
/// `files`) is edited only while it is a draft; `remote` is NCMEC's side of it, committed at
/// every call so a resumed submission knows exactly what NCMEC already has.
public struct Report: Sendable, Equatable {
    public var id: Int64
    public var caseID: Int64
    public var state: ReportState
    public var content: ReportContent
    public var files: [ReportFile]
    public var remote: RemoteProgress
    /// The `ncmec_cybertipline` credential it is sent with (the settings' one when drafted).
    public var credentialID: String?
    /// Why it stopped (state `failed`), worded for the person who must act.
    public var problem: ReportProblem?
    /// Asked to be retracted; the submission retracts it at its next step.
    public var retractRequested: Bool
    public var approvedBy: String?
    public var approvedAt: Date?
    /// The one job that may make its next call; a job with another id has been superseded.
    public var jobID: Int64?
    /// Grows by one with every change: an edit or an approval names the version it was made on.
    public var version: Int
    public var createdBy: String
    public var createdAt: Date
    public var updatedAt: Date
    public var finishedAt: Date?

    public init(id: Int64, caseID: Int64, state: ReportState, content: ReportContent, files: [ReportFile], remote: RemoteProgress = RemoteProgress(),
                credentialID: String?, problem: ReportProblem? = nil, retractRequested: Bool = false, approvedBy: String? = nil, approvedAt: Date? = nil,
                jobID: Int64? = nil, version: Int = 1, createdBy: String, createdAt: Date, updatedAt: Date, finishedAt: Date? = nil) {
        self.id = id
        self.caseID = caseID
        self.state = state
        self.content = content
        self.files = files
        self.remote = remote
        self.credentialID = credentialID
        self.problem = problem
        self.retractRequested = retractRequested
        self.approvedBy = approvedBy
        self.approvedAt = approvedAt
        self.jobID = jobID
        self.version = version
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.finishedAt = finishedAt
    }

    public var subject: String { "report:\(id)" }
}

/// draft → approved → submitting → submitted (NCMEC's report id) → files_uploaded →
/// details_sent → finished; `retracting` → retracted is possible until finished; `failed` waits
/// for a person (a fix, a credential) and resumes where it stopped.
public enum ReportState: String, Sendable, Codable, CaseIterable {
    case draft, approved, submitting, submitted
    case filesUploaded = "files_uploaded"
    case detailsSent = "details_sent"
    case finished, retracting, retracted, failed

    /// Nothing more happens to it.
    public var isTerminal: Bool { self == .finished || self == .retracted }
    /// Its submission is under way: a job owns its next call.
    public var isInProgress: Bool { [.approved, .submitting, .submitted, .filesUploaded, .detailsSent, .retracting].contains(self) }
}

/// NCMEC's side of a report.
public struct RemoteProgress: Sendable, Equatable {
    /// NCMEC's report id, committed the moment `/submit` answers.
    public var reportID: Int64?
    public var openedAt: Date?
    /// The last upload or file details: NCMEC deletes an unfinished report an hour after it.
    public var modifiedAt: Date?
    /// The call under way. Still set when a job resumes: the call's outcome is unknown.
    public var pendingCall: RemoteCall?
    /// Earlier NCMEC reports of this one whose contents are uncertain (an upload whose answer
    /// was lost); each is retracted before the report is submitted afresh.
    public var abandoned: [Int64]
    /// NCMEC's receipt (the `/finish` answer, verbatim): the notification of 2258A(h)(1).
    public var receipt: String?
    /// Known failures of the current call in a row (a retry's backoff grows with them).
    public var failures: Int
    /// Times the report was started afresh (a lost answer, a report NCMEC no longer had): a
    /// call that always loses its answer must stop and ask a person, not loop.
    public var restarts: Int
    /// Whether the case, its evidence's preservation and the event followed the finish.
    public var closedOut: Bool

    public init(reportID: Int64? = nil, openedAt: Date? = nil, modifiedAt: Date? = nil, pendingCall: RemoteCall? = nil, abandoned: [Int64] = [],
                receipt: String? = nil, failures: Int = 0, restarts: Int = 0, closedOut: Bool = false) {
        self.reportID = reportID
        self.openedAt = openedAt
        self.modifiedAt = modifiedAt
        self.pendingCall = pendingCall
        self.abandoned = abandoned
        self.receipt = receipt
        self.failures = failures
        self.restarts = restarts
        self.closedOut = closedOut
    }

    /// When NCMEC deletes the report if it is not finished: 24 hours after it was opened or an
    /// hour after its last change, whichever is later (ncmec.md §1.2).
    public var expiresAt: Date? {
        guard let openedAt else { return nil }
        return max(openedAt.addingTimeInterval(24 * 3600), (modifiedAt ?? openedAt).addingTimeInterval(3600))
    }
}

/// Why a report stopped, and what it takes to go on.
public struct ReportProblem: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable {
        /// NCMEC refused the content (4xxx): edit the draft, approve again.
        case fix
        /// The credential or the account cannot do this (2000, 3xxx), or NCMEC answered what
        /// Vigil does not know: fix the cause, then retry.
        case giveUp = "give_up"
        /// NCMEC kept failing (1xxx, 5xx, unreachable) past the retries: retry later.
        case unavailable
    }
    public var kind: Kind
    public var message: String
    public var code: Int?
    /// The state it stopped in, where a retry resumes.
    public var during: ReportState

    public init(kind: Kind, message: String, code: Int? = nil, during: ReportState) {
        self.kind = kind
        self.message = message
        self.code = code
        self.during = during
    }
}
