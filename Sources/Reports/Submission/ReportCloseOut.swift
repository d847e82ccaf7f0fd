import Cases
import Foundation

/// What follows a finished report: its case is marked reported and resolved as confirmed, and
/// the evidence it cites is preserved for a year (18 U.S.C. 2258A(h), ncmec.md §3.3). Both are
/// idempotent, so a close-out interrupted half-way is simply run again.
struct ReportCloseOut: Sendable {
    static let preservationDays = 365
    let cases: CaseService
    let media: EvidenceMediaService

    func run(_ report: Report, actor: String) async throws {
        let finished = report.finishedAt ?? Date()
        try await media.preserve(caseID: report.caseID, until: finished.addingTimeInterval(Double(Self.preservationDays) * 86_400))
        _ = try await cases.markReported(report.caseID, reportID: report.id, ncmecReportID: report.remote.reportID, actor: actor)
    }
}
