/// One thing a caller may do. Every route names exactly one (the server's route table); which
/// roles hold it is `AccessPolicy.matrix`.
public enum Permission: String, Sendable, CaseIterable {
    /// Health probes and the API document: no key needed.
    case open
    /// Read the Prometheus metrics.
    case metrics
    /// Hash images and look them up (native, PhotoDNA and HMA matching).
    case lookup
    /// Read banks, entries, jobs and the integration catalogue.
    case readBanks = "banks.read"
    /// Create, change and delete banks and entries; import and sync them; cancel jobs.
    case writeBanks = "banks.write"
    /// Keys, the audit log, hash-list sources (they name credentials), case templates.
    case administer
    /// Credentials of the integrations.
    case manageCredentials = "credentials.manage"
    /// Read workflows, their versions and runs.
    case readWorkflows = "workflows.read"
    /// Save, publish, start, cancel workflows.
    case writeWorkflows = "workflows.write"
    /// Read cases, accounts, their queues and timelines (previews of evidence included).
    case readCases = "cases.read"
    /// Open cases, decide, assign, comment; change, tag and block accounts.
    case reviewCases = "cases.review"
    /// See an evidence file itself (audit-logged).
    case revealEvidence = "evidence.reveal"
    /// Legal holds on evidence, purges.
    case preserveEvidence = "evidence.preserve"
    /// Read the event stream.
    case readEvents = "events.read"
    /// Webhook subscriptions and their deliveries.
    case manageWebhooks = "webhooks.manage"
    /// Read CyberTipline reports, their history and the reporting settings.
    case readReports = "reports.read"
    /// Draft a report from a case and edit the draft.
    case draftReports = "reports.draft"
    /// Approve a report for NCMEC, retract it, retry a failed one.
    case approveReports = "reports.approve"
}

/// Which roles hold each permission: the route × role matrix, through each route's permission.
/// The README's role table is this table; a test keeps the two equal.
public enum AccessPolicy {
    public static let matrix: [Permission: Set<Role>] = [
        .open: Set(Role.allCases),
        .metrics: [.admin, .curator, .analyst, .matcher, .viewer],
        .lookup: [.admin, .curator, .analyst, .reviewer, .matcher],
        .readBanks: [.admin, .curator, .analyst, .reviewer, .matcher, .viewer],
        .writeBanks: [.admin, .curator],
        .administer: [.admin],
        .manageCredentials: [.admin, .analyst],
        .readWorkflows: [.admin, .curator, .analyst, .viewer],
        .writeWorkflows: [.admin, .analyst],
        .readCases: [.admin, .analyst, .reviewer, .reporter, .viewer],
        .reviewCases: [.admin, .reviewer],
        .revealEvidence: [.admin, .reviewer],
        .preserveEvidence: [.admin, .reporter],
        .readEvents: [.admin, .analyst, .reviewer, .reporter, .viewer],
        .manageWebhooks: [.admin, .analyst],
        .readReports: [.admin, .analyst, .reviewer, .reporter, .viewer],
        .draftReports: [.admin, .reviewer, .reporter],
        .approveReports: [.admin, .reporter],
    ]

    public static func roles(for permission: Permission) -> Set<Role> { matrix[permission] ?? [.admin] }
}
