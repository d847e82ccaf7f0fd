import Banks
import Foundation
import HummingbirdTesting
import Testing
import VigilTestSupport

/// Issue 28, §2: what each role could do beyond its work. A curator stopped a report's
/// submission by cancelling its job; a run's input showed the image it was given to everyone who
/// may read runs.
@Suite struct LeastPrivilegeTests {
    @Test func aReportsSubmissionIsNotCancelledAsAJob() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            let setup = try await ReportFlowTests.setUp(http, fixture)
            defer { Task { setup.mock.releaseTrapped(); await setup.running.stop() } }
            let (caseID, _) = try await ReportFlowTests.caseWithFiles(fixture, http, files: 1)
            let report = try await ReportFlowTests.approvedReport(setup, http, caseID: caseID)
            let jobs = try await http.call(.get, "/v1/jobs?kind=report.call", key: fixture.curator)
            let job = try #require((jobs.json["jobs"] as? [[String: Any]])?.first?["id"] as? Int, "\(jobs.text)")
            for key in [fixture.curator, fixture.admin] {
                let cancelled = try await http.call(.post, "/v1/jobs/\(job)/cancel", key: key)
                #expect(cancelled.status == 409 && cancelled.errorMessage?.contains("report's own actions") == true, "\(cancelled.text)")
            }
            #expect(try await http.call(.get, "/v1/jobs/\(job)", key: fixture.curator).json["state"] as? String == "queued")
            try await setup.runJobs()
            #expect(try await setup.report(http, report)["state"] as? String == "finished")
        }
    }

    @Test func aRunKeepsTheSizeAndDigestOfItsImageNeverTheImage() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            let definition = #"""
                {"name": "inline", "trigger": {"type": "api", "parameters": [{"name": "image", "type": "image", "required": true}]},
                 "steps": [{"id": "hash", "type": "action", "integration": "vigil", "operation": "hash", "inputs": {"image": "{{ trigger.image }}"}}]}
                """#
            let created = try await http.json(.post, "/v1/workflows", key: fixture.admin, definition)
            let workflow = try #require(created.json["id"] as? String, "\(created.text)")
            #expect(try await http.call(.post, "/v1/workflows/\(workflow)/publish", key: fixture.admin).status == 201)
            let image = try Images.demo(0)
            let base64 = Data(image).base64EncodedString()
            let started = try await WorkflowAPITests.start(workflow, #"{"image": "\#(base64)"}"#, key: fixture.analyst, http)
            #expect(started.status == 201, "\(started.text)")
            let run = try #require(started.json["id"] as? Int)
            try await fixture.runJobs()

            for key in [fixture.viewer, fixture.curator, fixture.admin] {
                let shown = try await http.call(.get, "/v1/workflow-runs/\(run)", key: key)
                #expect(shown.status == 200 && !shown.text.contains(String(base64.prefix(64))), "the run shows the image")
                let kept = try #require((shown.json["input"] as? [String: Any])?["image"] as? [String: Any], "\(shown.text)")
                #expect(kept["bytes"] as? Int == image.count)
                let sha256 = try #require(kept["sha256"] as? String)
                // The step still had the image: its hash is the image's.
                let output = WorkflowAPITests.steps(shown)["hash"]?["output"] as? [String: Any]
                #expect(output?["sha256"] as? String == sha256, "\(shown.text)")
            }

            let notBase64 = try await WorkflowAPITests.start(workflow, #"{"image": "%%%"}"#, key: fixture.analyst, http)
            #expect(notBase64.status == 400 && notBase64.errorMessage?.contains("image") == true, "\(notBase64.text)")
            let notAnImage = try await WorkflowAPITests.start(workflow, #"{"image": "\#(Data("just text".utf8).base64EncodedString())"}"#,
                                                              key: fixture.analyst, http)
            #expect(notAnImage.status == 400 && notAnImage.errorMessage?.contains("not an image") == true, "\(notAnImage.text)")
        }
    }
}

/// The review of issue 28: an analyst deleted the CyberTipline credential reports used (the
/// report settings named none, so reports took the only one there was) and created their own in
/// its place. A credential that reporting, a bank's list or a webhook subscription uses is not
/// deleted, and deleting one anyway takes the admin role.
@Suite struct CredentialInUseTests {
    @Test func whatReportingOrAFeedUsesIsNotDeletedExceptByAnAdmin() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            let tipline = try await fixture.service.credentials.create(
                integration: "ncmec_cybertipline", values: ["nickname": "ncmec", "environment": "test", "username": "esp", "password": "pw"],
                mayRedirect: true)
            let refused = try await http.call(.delete, "/v1/credentials/\(tipline.id)", key: fixture.analyst)
            #expect(refused.status == 409 && refused.errorCode == "in_use", "\(refused.text)")
            #expect(refused.errorMessage?.contains("reporting to NCMEC") == true)
            let forced = try await http.call(.delete, "/v1/credentials/\(tipline.id)?force=true", key: fixture.analyst)
            #expect(forced.status == 403 && forced.errorMessage?.contains("admin") == true, "\(forced.text)")
            let attempts = try await http.call(.get, "/v1/audit?action=credential.delete_forced", key: fixture.admin).json["events"] as? [[String: Any]]
            #expect(attempts?.first?["outcome"] as? String == "failed: force: deleting a credential in use takes the admin role", "\(attempts ?? [])")
            #expect(try await fixture.service.credentials.list().map(\.id) == [tipline.id])

            // A bank that follows a list with a credential keeps it too.
            let feed = try await fixture.service.credentials.create(
                integration: "ncmec_hash_sharing", values: ["nickname": "hashes", "environment": "test", "username": "esp", "password": "pw"],
                mayRedirect: true)
            _ = try await fixture.service.banks.createBank(NewBank(name: "NCMEC"))
            _ = try await fixture.service.bankSync.setSource(bank: "NCMEC", kind: .ncmec, credentialID: feed.id)
            let inUse = try await http.call(.delete, "/v1/credentials/\(feed.id)", key: fixture.analyst)
            #expect(inUse.status == 409 && inUse.errorMessage?.contains("bank NCMEC's list") == true, "\(inUse.text)")
            #expect(try await http.call(.delete, "/v1/credentials/\(feed.id)?force=true", key: fixture.admin).status == 200)
            #expect(try await http.call(.delete, "/v1/credentials/\(tipline.id)?force=true", key: fixture.admin).status == 200)
        }
    }
}
