/// What a submission does next, read from what is committed: the same report always gives the
/// same next call, so a resumed job needs nothing but the report.
enum SubmissionPlan {
    /// The next call, or nil when there is none to make (a retraction with nothing at NCMEC).
    static func nextCall(_ report: Report) -> RemoteCall? {
        if report.retractRequested {
            if let id = report.remote.reportID { return .retract(id) }
            return report.remote.abandoned.first.map(RemoteCall.retract)
        }
        if let old = report.remote.abandoned.first { return .retract(old) }
        guard report.remote.reportID != nil else { return .submit }
        if let index = report.files.firstIndex(where: { $0.fileID == nil }) { return .upload(index) }
        if let index = report.files.firstIndex(where: { !$0.detailsSent }) { return .fileInfo(index) }
        return .finish
    }

    /// The state a report under way is in, from its progress.
    static func progressState(_ report: Report) -> ReportState {
        if report.retractRequested { return .retracting }
        guard report.remote.reportID != nil else {
            return report.remote.pendingCall == .submit || report.remote.failures > 0 ? .submitting : .approved
        }
        if report.files.contains(where: { $0.fileID == nil }) { return .submitted }
        if report.files.contains(where: { !$0.detailsSent }) { return .filesUploaded }
        return .detailsSent
    }

    /// Fresh starts allowed before the report waits for a person.
    static let maxRestarts = 3

    /// NCMEC no longer has (or may not cleanly have) the report: everything remote is
    /// forgotten and it is submitted afresh. `abandon` keeps the old id to retract it first.
    static func startAfresh(_ report: inout Report, abandon: Bool) {
        report.remote.restarts += 1
        if abandon, let old = report.remote.reportID, !report.remote.abandoned.contains(old) { report.remote.abandoned.append(old) }
        report.remote.reportID = nil
        report.remote.openedAt = nil
        report.remote.modifiedAt = nil
        report.remote.pendingCall = nil
        report.remote.failures = 0
        for index in report.files.indices { report.files[index].forgetRemote() }
    }
}
