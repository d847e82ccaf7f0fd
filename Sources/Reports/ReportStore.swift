public import Cases
public import Events
public import Foundation
public import Jobs

/// Storage of reports, their history and the reporting settings. Every change is one
/// transaction that writes the report, its history lines, its events and, when it names one,
/// the job of its next call (so a committed step always has the job that takes the next).
public protocol ReportStore: Sendable {
    func createReport(_ new: NewReport, actor: String, at time: Date, events: @escaping @Sendable (Report) -> [NewEvent]) async throws -> Report
    /// Reads the report (locked against concurrent changes on PostgreSQL), lets `change`
    /// decide, and writes what it decided. `change` may throw to refuse without writing. With a
    /// `fence`, the write commits only while that claim still holds its job (`JobError.leaseLost`
    /// otherwise), checked in the same transaction.
    func updateReport(id: Int64, at time: Date, fence: JobLease?, _ change: @escaping @Sendable (Report) throws -> ReportChange) async throws -> Report
    func report(id: Int64) async throws -> Report?
    func history(reportID: Int64) async throws -> [HistoryEntry]
    func reports(_ filter: ReportFilter) async throws -> [Report]

    func settings() async throws -> ReportingSettings
    func saveSettings(_ settings: ReportingSettings, at time: Date) async throws
}

extension ReportStore {
    /// A change by a person or a service: no job to fence.
    public func updateReport(id: Int64, at time: Date, _ change: @escaping @Sendable (Report) throws -> ReportChange) async throws -> Report {
        try await updateReport(id: id, at: time, fence: nil, change)
    }
}

public struct NewReport: Sendable {
    public var caseID: Int64
    public var content: ReportContent
    public var files: [ReportFile]
    public var credentialID: String?

    public init(caseID: Int64, content: ReportContent, files: [ReportFile], credentialID: String?) {
        self.caseID = caseID
        self.content = content
        self.files = files
        self.credentialID = credentialID
    }
}

/// What a change to a report writes: its new values (the store bumps the version), history
/// lines, events, and whether its next call gets a new job (which becomes `jobID`).
public struct ReportChange: Sendable {
    public var updated: Report
    public var history: [NewHistoryEntry]
    public var events: [NewEvent]
    public var queueNextCall: Bool

    public init(updated: Report, history: [NewHistoryEntry] = [], events: [NewEvent] = [], queueNextCall: Bool = false) {
        self.updated = updated
        self.history = history
        self.events = events
        self.queueNextCall = queueNextCall
    }
}

public struct ReportFilter: Sendable {
    public var states: [ReportState]?
    public var caseID: Int64?
    public var before: Int64?
    public var limit: Int

    public init(states: [ReportState]? = nil, caseID: Int64? = nil, before: Int64? = nil, limit: Int = 50) {
        self.states = states
        self.caseID = caseID
        self.before = before
        self.limit = limit
    }
}
