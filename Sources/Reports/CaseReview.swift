public import Cases
import Foundation

/// A reviewer's decision on a case, with what it means for the case's reports: a false
/// positive withdraws them, and a case whose report is on its way to NCMEC (or there) is not
/// reopened. Every decision, from the API, the dashboard or a workflow step, goes through here.
public struct CaseReview: Sendable {
    let cases: CaseService
    let reports: ReportService

    public init(cases: CaseService, reports: ReportService) {
        self.cases = cases
        self.reports = reports
    }

    public func decide(_ caseID: Int64, _ request: DecisionRequest) async throws -> Case {
        if case .reopen = request.decision {
            let sent = try await reports.stored(ReportFilter(caseID: caseID, limit: 100))
                .first { $0.state == .finished || ($0.state.isInProgress && !$0.retractRequested) }
            if let sent {
                throw CaseError.conflict("case \(caseID) has report \(sent.id) \(sent.state.rawValue): retract it before reopening the case",
                                         current: try await cases.detail(caseID).case)
            }
        }
        let decided = try await cases.decide(caseID, request)
        guard try await cases.isFalsePositive(decided) else { return decided }
        let withdrawn = try await reports.withdraw(caseID: caseID, actor: request.actor)
        return withdrawn.isEmpty ? decided : try await cases.detail(caseID).case
    }
}
