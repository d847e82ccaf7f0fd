import Cases
import Events
import Foundation
import IntegrationClients
import Jobs
import Reports
import Storage
import Testing
import VigilTestSupport

/// Reports on real SQLite and PostgreSQL: a report reads back as it was written, its change,
/// history, events and next job commit together or not at all, and concurrent approvals of one
/// draft have one winner.
@Suite struct ReportStoreTests {
    static func draft(_ database: VigilDatabase, caseID: Int64) -> NewReport {
        NewReport(caseID: caseID,
                  content: ReportContent(incidentAt: Date(timeIntervalSince1970: 1_700_000_000.123), platform: "App",
                                         reporter: Reporter(email: "ts@example.com"),
                                         reportedPeople: [ReportedPerson(espIdentifier: "u1", ipCaptureEvents: [IPCaptureEvent(ipAddress: "203.0.113.7")])]),
                  files: [ReportFile(evidenceID: 1, mediaSHA256: "ab", md5: "00", classification: .b2, annotations: [.viral])], credentialID: "cred_1")
    }

    /// A row written by an earlier version of Vigil (whose domain types carried the keys) reads
    /// back: storage keeps its own shapes (issue 29), with the keys the rows were written with.
    @Test(arguments: Backend.allCases)
    func aRowAnEarlierVersionWroteReadsBack(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let (banks, database) = try await db.service()
        let opened = try await CaseService(store: SQLCaseStore(database: database), banks: banks).open(NewCase(title: "old row"), actor: "test").case
        let content = #"{"incident_type":"Child Sex Trafficking","incident_at":1700000000123,"platform":"App","annotations":["spam"],"# +
            #""web_page_urls":["https://example.org/p"],"reporter":{"email":"ts@example.com","contact":{"first_name":"Ada"}},"# +
            #""reported_people":[{"esp_identifier":"u1","ip_capture_events":[{"ip_address":"203.0.113.7","event_name":"Login","at":1700000000000}],"# +
            #""account_disabled":true}]}"#
        let files = #"[{"evidence_id":4,"media_sha256":"ab","viewed_by_esp":false,"classification":"A2","annotations":["viral"],"details_sent":true,"file_id":"f9"}]"#
        let remote = #"{"report_id":77,"opened_at":1700000000000,"pending_call":{"call":"upload","file":1},"abandoned":[5],"failures":1,"restarts":0,"closed_out":false}"#
        try await database.run { sql in
            try await sql.raw("""
                INSERT INTO reports (case_id, state, content, files, remote, version, created_by, created_at, updated_at)
                VALUES (\(bind: opened.id), 'submitted', \(bind: content), \(bind: files), \(bind: remote), 1, 'ana', 1700000000000, 1700000000000)
                """).run()
        }
        let report = try #require(try await SQLReportStore(database: database).reports(ReportFilter(caseID: opened.id, limit: 1)).first)
        #expect(report.content.incidentType == .childSexTrafficking && report.content.webPageURLs == ["https://example.org/p"])
        #expect(report.content.incidentAt == Date(timeIntervalSince1970: 1_700_000_000.123))
        #expect(report.content.reporter.contact?.firstName == "Ada" && report.content.reportedPeople.first?.accountDisabled == true)
        #expect(report.content.reportedPeople.first?.ipCaptureEvents.first?.eventName == .Login)
        #expect(report.files.first?.classification == .a2 && report.files.first?.detailsSent == true && report.files.first?.fileID == "f9")
        #expect(report.remote.pendingCall == .upload(1) && report.remote.reportID == 77 && report.remote.abandoned == [5])
    }

    @Test(arguments: Backend.allCases)
    func aChangeItsHistoryEventsAndNextJobCommitTogether(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let (banks, database) = try await db.service()
        let cases = CaseService(store: SQLCaseStore(database: database), banks: banks)
        let opened = try await cases.open(NewCase(title: "report me"), actor: "test").case
        let store = SQLReportStore(database: database)
        let created = try await store.createReport(Self.draft(database, caseID: opened.id), actor: "ana", at: Date()) { report in
            [NewEvent(type: EventTypes.reportDrafted, subject: report.subject, actor: "ana", payload: [:])]
        }
        #expect(created.content == Self.draft(database, caseID: opened.id).content && created.files == Self.draft(database, caseID: opened.id).files)
        #expect(created.state == .draft && created.version == 1 && created.jobID == nil)

        // A change that throws writes nothing: no history, no job, no event.
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            _ = try await store.updateReport(id: created.id, at: Date()) { _ in throw Refused() }
        }
        let jobs = SQLJobStore(database: database)
        #expect(try await jobs.jobs(kinds: [ReportCallJob.jobKind], states: nil, limit: 10).isEmpty)

        let approved = try await store.updateReport(id: created.id, at: Date()) { current in
            var updated = current
            updated.state = .approved
            updated.remote.pendingCall = .upload(0)
            return ReportChange(updated: updated, history: [NewHistoryEntry(actor: "ana", kind: "approved", detail: [:])],
                                events: [NewEvent(type: EventTypes.reportApproved, subject: current.subject, actor: "ana", payload: [:])], queueNextCall: true)
        }
        let job = try #require(try await jobs.jobs(kinds: [ReportCallJob.jobKind], states: [.queued], limit: 10).first)
        #expect(approved.jobID == job.id && approved.version == 2 && approved.remote.pendingCall == .upload(0))
        #expect(job.payload == #"{"report":\#(created.id)}"#)
        #expect(try await store.history(reportID: created.id).map(\.kind) == ["drafted", "approved"])
        let events = try await SQLEventStore(database: database).events(after: 0, types: [EventTypes.reportDrafted, EventTypes.reportApproved], limit: 10)
        #expect(events.map(\.type) == [EventTypes.reportDrafted, EventTypes.reportApproved])
        #expect(try await store.report(id: created.id) == approved)
        #expect(try await store.reports(ReportFilter(states: [.approved], caseID: opened.id)).map(\.id) == [created.id])

        var settings = ReportingSettings(espService: "App", reporter: Reporter(email: "ts@example.com"), autoApproveVerified: true)
        try await store.saveSettings(settings, at: Date())
        settings.platform = "App for iOS"
        try await store.saveSettings(settings, at: Date())
        #expect(try await store.settings() == settings)
        await database.close()
    }

    @Test(arguments: Backend.allCases)
    func concurrentApprovalsOfOneDraftHaveOneWinner(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let (banks, database) = try await db.service()
        let media = EvidenceMediaService(store: SQLMediaStore(database: database), files: NoFiles(), previews: NoFiles())
        let cases = CaseService(store: SQLCaseStore(database: database), banks: banks, media: media)
        let opened = try await cases.open(NewCase(title: "race"), actor: "test").case
        let store = SQLReportStore(database: database)
        let reports = ReportService(store: store, documents: CyberTiplineXML(), cases: cases, media: media, banks: banks)
        let created = try await store.createReport(Self.draft(database, caseID: opened.id), actor: "ana", at: Date()) { _ in [] }
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<8 {
                group.addTask { (try? await reports.approve(created.id, expectedVersion: 1, actor: "reporter-\(index)")) != nil }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
        let jobs = try await SQLJobStore(database: database).jobs(kinds: [ReportCallJob.jobKind], states: nil, limit: 20)
        #expect(jobs.count == 1, "one submission")
        #expect(try await store.history(reportID: created.id).filter { $0.kind == "approved" }.count == 1)
        await database.close()
    }

    struct NoFiles: MediaFiles, PreviewMaker {
        func write(_ bytes: [UInt8], sha256: String, kind: MediaFileKind) async throws {}
        func read(sha256: String, kind: MediaFileKind) async throws -> [UInt8] { [] }
        func delete(sha256: String) async throws {}
        func preview(of bytes: [UInt8]) async throws -> [UInt8] { [] }
    }
}
