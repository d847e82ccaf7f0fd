import ContentHashing
import Foundation
import HummingbirdTesting
import Testing
import VigilServer

/// `/v1/banks…`: the HTTP mirror of `vigil bank`.
@Suite struct BankAPITests {
    @Test func bankLifecycle() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { client in
            let created = try await client.json(.post, "/v1/banks", key: fixture.curator,
                                                #"{"name": "partner-hashes", "description": "from a partner", "labels": ["B2"], "pdq_threshold": 20}"#)
            #expect(created.status == 201 && created.json["pdq_threshold"] as? Int == 20 && created.json["entry_count"] as? Int == 0)
            #expect(try await client.json(.post, "/v1/banks", key: fixture.curator, #"{"name": "partner-hashes"}"#).status == 409)
            #expect(try await client.json(.post, "/v1/banks", key: fixture.curator, #"{"name": "-bad"}"#).status == 400)
            #expect(try await client.json(.post, "/v1/banks", key: fixture.curator, #"{"name": "x", "kind": "maybe"}"#).status == 400)
            #expect(try await client.json(.post, "/v1/banks", key: fixture.curator, #"{"name": "x", "pdq_threshold": 999}"#).status == 400)
            #expect(try await client.json(.post, "/v1/banks", key: fixture.curator, #"{"description": "no name"}"#).status == 400)
            #expect(try await client.json(.post, "/v1/banks", key: fixture.matcher, #"{"name": "y"}"#).status == 403)

            let list = try await client.call(.get, "/v1/banks", key: fixture.matcher)
            #expect((list.json["banks"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["ALLOW_BANK", "TEST_BANK", "partner-hashes"])
            let shown = try await client.call(.get, "/v1/banks/TEST_BANK", key: fixture.matcher)
            #expect(shown.json["entry_count"] as? Int == 2 && shown.json["labels"] as? [String] == ["A1", "verified"])
            #expect(try await client.call(.get, "/v1/banks/missing", key: fixture.matcher).status == 404)

            let patched = try await client.json(.patch, "/v1/banks/partner-hashes", key: fixture.curator, #"{"enabled": false, "kind": "allow"}"#)
            #expect(patched.json["enabled"] as? Bool == false && patched.json["kind"] as? String == "allow")
            #expect(try await client.json(.patch, "/v1/banks/partner-hashes", key: fixture.curator, #"{"enabled": "no"}"#).status == 400)
            #expect(try await client.json(.patch, "/v1/banks/partner-hashes", key: fixture.curator, #"{"name": "TEST_BANK"}"#).status == 409)

            #expect(try await client.call(.delete, "/v1/banks/partner-hashes", key: fixture.curator).status == 200)
            #expect(try await client.call(.get, "/v1/banks/partner-hashes", key: fixture.matcher).status == 404)
            #expect(try await client.call(.delete, "/v1/banks/partner-hashes", key: fixture.curator).status == 404)
        }
    }

    @Test func entriesAddSnoozeNoteAndDelete() async throws {
        let fixture = try await ServerFixture()
        let pdq = try ContentHasher().signals(of: try Images.demo(2)).pdq.hex
        try await fixture.test { client in
            let added = try await client.json(.post, "/v1/banks/TEST_BANK/entries", key: fixture.curator,
                                              #"{"entries": [{"pdq": "\#(pdq)", "external_id": "t-9", "note": "n", "extra": {"case": "77"}}, {"md5": "\#(String(repeating: "ab", count: 16))"}]}"#)
            #expect(added.status == 201 && added.json["added"] as? Int == 2)
            let id = try #require((added.json["entry_ids"] as? [Int])?.first)
            let again = try await client.json(.post, "/v1/banks/TEST_BANK/entries", key: fixture.curator, #"{"entries": [{"pdq": "\#(pdq)"}]}"#)
            #expect(again.json["added"] as? Int == 0 && again.json["duplicates"] as? Int == 1)
            let bad = try await client.json(.post, "/v1/banks/TEST_BANK/entries", key: fixture.curator, #"{"entries": [{"pdq": "\#(pdq)"}, {"md5": "xyz"}]}"#)
            #expect(bad.status == 400 && bad.errorMessage?.contains("entries[1].md5") == true)
            #expect(try await client.json(.post, "/v1/banks/TEST_BANK/entries", key: fixture.curator, #"{"entries": [{}]}"#).status == 400)

            let entry = try await client.call(.get, "/v1/banks/TEST_BANK/entries/\(id)", key: fixture.matcher)
            #expect(entry.json["pdq"] as? String == pdq && entry.json["external_id"] as? String == "t-9")
            #expect((entry.json["extra"] as? [String: String]) == ["case": "77"])
            #expect(try await client.call(.get, "/v1/banks/ALLOW_BANK/entries/\(id)", key: fixture.matcher).status == 404)

            let page = try await client.call(.get, "/v1/banks/TEST_BANK/entries?limit=2", key: fixture.matcher)
            #expect((page.json["entries"] as? [Any])?.count == 2 && page.json["next_after"] as? Int != nil)
            #expect(try await client.call(.get, "/v1/banks/TEST_BANK/entries?limit=0", key: fixture.matcher).status == 400)

            let snoozed = try await client.json(.patch, "/v1/banks/TEST_BANK/entries/\(id)", key: fixture.curator,
                                                #"{"disabled_until": "2099-01-01T00:00:00Z", "note": "false positive?"}"#)
            #expect(snoozed.json["disabled_until"] as? String == "2099-01-01T00:00:00Z" && snoozed.json["note"] as? String == "false positive?")
            let match = try await client.json(.post, "/v1/match", key: fixture.matcher, #"{"pdq": "\#(pdq)"}"#)
            #expect(match.json["is_match"] as? Bool == false)
            _ = try await client.json(.patch, "/v1/banks/TEST_BANK/entries/\(id)", key: fixture.curator, #"{"disabled_until": null}"#)
            #expect(try await client.json(.post, "/v1/match", key: fixture.matcher, #"{"pdq": "\#(pdq)"}"#).json["is_match"] as? Bool == true)
            #expect(try await client.json(.patch, "/v1/banks/TEST_BANK/entries/\(id)", key: fixture.curator, #"{"disabled_until": "soon"}"#).status == 400)

            #expect(try await client.call(.delete, "/v1/banks/TEST_BANK/entries/\(id)", key: fixture.curator).status == 200)
            #expect(try await client.json(.post, "/v1/match", key: fixture.matcher, #"{"pdq": "\#(pdq)"}"#).json["is_match"] as? Bool == false)
            #expect(try await client.call(.delete, "/v1/banks/TEST_BANK/entries/\(id)", key: fixture.curator).status == 404)
        }
    }

    /// An import answers 202 with its job; once the job has run, the job shows the import's summary.
    static func summary(of reply: Reply, _ fixture: ServerFixture, _ client: any TestClientProtocol) async throws -> [String: Any] {
        #expect(reply.status == 202, "\(reply.text)")
        let id = try #require(reply.json["id"] as? Int)
        #expect(reply.headers[.location] == "/v1/jobs/\(id)")
        try await fixture.runJobs()
        let job = try await client.call(.get, "/v1/jobs/\(id)", key: fixture.matcher)
        #expect(job.json["state"] as? String == "succeeded", "\(job.text)")
        return try #require((job.json["result"] as? [String: Any])?["summary"] as? [String: Any])
    }

    @Test func importAndExportEveryFormat() async throws {
        var settings = ServerSettings()
        settings.maxImportBytes = 100_000
        let fixture = try await ServerFixture(settings: settings)
        let pdq = try ContentHasher().signals(of: try Images.demo(3)).pdq.hex
        let csv = "pdq,external_id,note\n\(pdq),row-1,first\nnot-a-hash,row-2,bad\n"
        try await fixture.test { client in
            _ = try await client.json(.post, "/v1/banks", key: fixture.curator, #"{"name": "IMPORTED"}"#)
            let imported = try await Self.summary(of: try await client.multipart("/v1/banks/IMPORTED/import", key: fixture.curator,
                                                                                 parts: [("file", "h.csv", Array(csv.utf8))]), fixture, client)
            #expect(imported["added"] as? Int == 1 && imported["rejected_count"] as? Int == 1 && imported["rows_read"] as? Int == 2)
            #expect((imported["rejected"] as? [[String: Any]])?.first?["line"] as? Int == 3)
            let list = try await Self.summary(of: try await client.call(.post, "/v1/banks/IMPORTED/import?format=list", key: fixture.curator,
                                                                        contentType: "text/plain",
                                                                        body: Array("\(String(repeating: "c", count: 32))\n".utf8)), fixture, client)
            #expect(list["added"] as? Int == 1)
            // A list's entries name the file it was uploaded as, never the server's spool file.
            let named = try await Self.summary(of: try await client.multipart("/v1/banks/IMPORTED/import?format=list", key: fixture.curator,
                                                                              parts: [("file", "known.txt", Array("\(String(repeating: "e", count: 32))\n".utf8))]),
                                               fixture, client)
            #expect(named["added"] as? Int == 1)
            let entries = try await client.call(.get, "/v1/banks/IMPORTED/entries", key: fixture.curator).json["entries"] as? [[String: Any]]
            #expect(entries?.first { $0["md5"] as? String == String(repeating: "e", count: 32) }?["source"] as? String == "known.txt", "\(entries ?? [])")
            #expect(entries?.contains { ($0["source"] as? String)?.hasPrefix("import-") == true } == false)
            let xml = """
                <?xml version="1.0"?><queryResult xmlns="https://hashsharing.ncmec.org/hashsharing/v2"><images count="1">
                <image><member id="42">M</member><id>i1</id><fingerprints><md5>\(String(repeating: "d", count: 32))</md5></fingerprints></image>
                </images></queryResult>
                """
            let ncmec = try await Self.summary(of: try await client.call(.post, "/v1/banks/IMPORTED/import?format=ncmec-xml", key: fixture.curator,
                                                                         contentType: "application/xml", body: Array(xml.utf8)), fixture, client)
            #expect(ncmec["added"] as? Int == 1)
            let image = try await Self.summary(of: try await client.call(.post, "/v1/banks/IMPORTED/import?format=images", key: fixture.curator,
                                                                         contentType: "image/jpeg", body: try Images.demo(1)), fixture, client)
            #expect(image["added"] as? Int == 1)
            #expect(try await client.call(.post, "/v1/banks/IMPORTED/import?format=zip", key: fixture.curator, contentType: "text/plain",
                                          body: Array("x".utf8)).status == 400)
            #expect(try await client.call(.post, "/v1/banks/IMPORTED/import", key: fixture.curator, contentType: "text/plain", body: []).status == 400)
            let oversize = try await client.call(.post, "/v1/banks/IMPORTED/import?format=list", key: fixture.curator, contentType: "text/plain",
                                                 body: [UInt8](repeating: 0x61, count: 150_000))
            #expect(oversize.status == 413 && oversize.errorCode == "body_too_large")
            let headerOnly = try await client.call(.post, "/v1/banks/IMPORTED/import?format=csv", key: fixture.curator, contentType: "text/csv",
                                                   body: Array("name,colour\na,b\n".utf8))
            #expect(headerOnly.status == 400)

            let noFile = try await client.multipart("/v1/banks/IMPORTED/import", key: fixture.curator, parts: [("notes", nil, Array("x".utf8))])
            #expect(noFile.status == 400 && noFile.errorCode == "missing_file")
            #expect(try await client.call(.post, "/v1/banks/NOPE/import", key: fixture.curator, contentType: "text/plain", body: Array("x".utf8)).status == 404)

            let exported = try await client.call(.get, "/v1/banks/IMPORTED/export", key: fixture.matcher)
            #expect(exported.status == 200 && exported.text.contains(pdq) && exported.text.contains("row-1"))
            #expect(exported.headers[.contentType]?.hasPrefix("text/csv") == true)
            let exportedList = try await client.call(.get, "/v1/banks/IMPORTED/export?format=list", key: fixture.matcher)
            #expect(exportedList.text.split(separator: "\n").contains(Substring(pdq)))
            #expect(try await client.call(.get, "/v1/banks/IMPORTED/export?format=xml", key: fixture.matcher).status == 400)
        }
    }

    /// A queued import can be cancelled: it never runs, and its spooled upload is removed.
    @Test func aQueuedImportCanBeCancelled() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { client in
            let accepted = try await client.call(.post, "/v1/banks/TEST_BANK/import?format=list", key: fixture.curator, contentType: "text/plain",
                                                 body: Array("\(String(repeating: "e", count: 32))\n".utf8))
            let id = try #require(accepted.json["id"] as? Int)
            let spooled = try FileManager.default.contentsOfDirectory(atPath: fixture.service.settings.spoolDirectory.path)
            #expect(spooled.count == 1)
            #expect(try await client.call(.post, "/v1/jobs/\(id)/cancel", key: fixture.matcher).status == 403)
            let cancelled = try await client.call(.post, "/v1/jobs/\(id)/cancel", key: fixture.curator)
            #expect(cancelled.status == 200 && cancelled.json["state"] as? String == "cancelled")
            try await fixture.runJobs()
            #expect(try await client.call(.get, "/v1/jobs/\(id)", key: fixture.matcher).json["state"] as? String == "cancelled")
            #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.service.settings.spoolDirectory.path).isEmpty)
            let listed = try await client.call(.get, "/v1/jobs?state=cancelled&kind=bank.import", key: fixture.matcher)
            #expect((listed.json["jobs"] as? [[String: Any]])?.map { $0["id"] as? Int } == [id])
            #expect(try await client.call(.get, "/v1/jobs?state=done", key: fixture.matcher).status == 400)
            #expect(try await client.call(.get, "/v1/jobs/999999", key: fixture.matcher).status == 404)
        }
    }
}
