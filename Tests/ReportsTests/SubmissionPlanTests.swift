import Foundation
@testable import Reports
import Testing

/// The submission's next call comes from what is committed, so a resumed job needs nothing else.
@Suite struct SubmissionPlanTests {
    static func report(files: Int) -> Report {
        Report(id: 1, caseID: 1, state: .approved, content: ReportContent(incidentAt: Date(), reporter: Reporter(email: "a@example.com")),
               files: (0..<files).map { ReportFile(evidenceID: Int64($0), mediaSHA256: "\($0)") }, credentialID: nil, createdBy: "t",
               createdAt: Date(), updatedAt: Date())
    }

    @Test func callsFollowTheDocumentedOrder() {
        var report = Self.report(files: 2)
        var calls: [RemoteCall] = []
        while let call = SubmissionPlan.nextCall(report), calls.count < 10 {
            calls.append(call)
            switch call {
            case .submit: report.remote.reportID = 42
            case let .upload(index): report.files[index].fileID = "f\(index)"
            case let .fileInfo(index): report.files[index].detailsSent = true
            case .finish, .retract: report.state = .finished
            }
            if report.state == .finished { break }
        }
        #expect(calls == [.submit, .upload(0), .upload(1), .fileInfo(0), .fileInfo(1), .finish])
    }

    @Test func progressStatesNameWhereTheSubmissionIs() {
        var report = Self.report(files: 1)
        #expect(SubmissionPlan.progressState(report) == .approved)
        report.remote.pendingCall = .submit
        #expect(SubmissionPlan.progressState(report) == .submitting)
        report.remote.reportID = 7
        #expect(SubmissionPlan.progressState(report) == .submitted)
        report.files[0].fileID = "f"
        #expect(SubmissionPlan.progressState(report) == .filesUploaded)
        report.files[0].detailsSent = true
        #expect(SubmissionPlan.progressState(report) == .detailsSent)
        report.retractRequested = true
        #expect(SubmissionPlan.progressState(report) == .retracting)
        #expect(SubmissionPlan.nextCall(report) == .retract(7))
    }

    @Test func anAbandonedReportIsRetractedBeforeTheFreshSubmission() {
        var report = Self.report(files: 1)
        report.remote.reportID = 7
        report.files[0].fileID = "f"
        SubmissionPlan.startAfresh(&report, abandon: true)
        #expect(report.remote.abandoned == [7] && report.remote.reportID == nil && report.files[0].fileID == nil)
        #expect(SubmissionPlan.nextCall(report) == .retract(7))
        report.remote.abandoned = []
        #expect(SubmissionPlan.nextCall(report) == .submit)
    }

    @Test func everyDocumentedCodeHasItsHandling() {
        func handling(_ code: Int?, http: Int = 200) -> ResponseCode.Handling {
            ResponseCode.handling(of: CyberTiplineAnswer(httpStatus: http, code: code))
        }
        #expect(handling(0) == .success)
        for code in [1000, 1100, 1110, 1111, 1300] { #expect(handling(code) == .retry) }
        for code in [2000, 3000, 3100, 3300] { #expect(handling(code) == .giveUp) }
        for code in [4000, 4100, 4110, 4200] { #expect(handling(code, http: 400) == .fix) }
        #expect(handling(5001) == .recreate && handling(5002) == .recreate)
        #expect(handling(5101) == .alreadyRetracted && handling(5102) == .alreadyFinished)
        #expect(handling(nil, http: 401) == .giveUp && handling(nil, http: 503) == .retry && handling(9999) == .giveUp)
    }

    @Test func expiryIsTheLaterOfADayAfterOpeningAndAnHourAfterTheLastChange() {
        let opened = Date(timeIntervalSince1970: 0)
        #expect(RemoteProgress(openedAt: opened, modifiedAt: opened.addingTimeInterval(3600)).expiresAt == opened.addingTimeInterval(86_400))
        #expect(RemoteProgress(openedAt: opened, modifiedAt: opened.addingTimeInterval(86_000)).expiresAt == opened.addingTimeInterval(89_600))
    }
}
