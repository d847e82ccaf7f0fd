import Cases
import ContentHashing
import Foundation
import HummingbirdTesting
import ImageCodecs
import Jobs
import SQLKit
import Testing
import VigilTestSupport

/// Evidence files: encrypted at rest (no plaintext byte of an image anywhere in the data
/// directory or the database), previews that cannot be made out, reveals that are recorded,
/// preservation dates set by decisions and holds, and a purge that only the job performs.
@Suite struct EvidenceTests {
    /// Opens a case and attaches demo image `index` to it; returns the case id and the file's SHA-256.
    static func caseWithImage(_ fixture: ServerFixture, _ http: any TestClientProtocol, index: Int = 0, title: String = "upload") async throws -> (Int, String) {
        let opened = try await http.json(.post, "/v1/cases", key: fixture.reviewer, #"{"title":"\#(title)"}"#)
        let id = try #require(opened.json["id"] as? Int)
        let attached = try await http.call(.post, "/v1/cases/\(id)/evidence?file_name=IMG_0001.jpg", key: fixture.reviewer, contentType: "image/jpeg",
                                           body: try Images.demo(index))
        #expect(attached.status == 201, "\(attached.text)")
        let evidence = try #require((attached.json["evidence"] as? [[String: Any]])?.last)
        #expect(evidence["file_name"] as? String == "IMG_0001.jpg")
        return (id, try #require(evidence["media_sha256"] as? String))
    }

    @Test func noPlaintextImageByteIsStoredAnywhere() async throws {
        let fixture = try await ServerFixture()
        let image = try Images.demo(0)
        try await fixture.test { http in
            _ = try await Self.caseWithImage(fixture, http)
        }
        // Slices from all over the image: none may appear in any file Vigil wrote.
        let probes = stride(from: 256, to: image.count - 64, by: max(64, image.count / 40)).map { Array(image[$0..<($0 + 48)]) }
        #expect(probes.count >= 20)
        var scanned = 0
        let files = FileManager.default.enumerator(at: fixture.directory.url, includingPropertiesForKeys: nil)
        while let url = files?.nextObject() as? URL {
            guard let data = try? Data(contentsOf: url) else { continue }
            scanned += 1
            let bytes = [UInt8](data)
            for probe in probes {
                #expect(bytes.firstRange(of: probe) == nil, "plaintext image bytes in \(url.lastPathComponent)")
            }
        }
        #expect(scanned >= 1, "the database was scanned")
        #expect(!FileManager.default.fileExists(atPath: fixture.directory.url.appendingPathComponent("evidence").path), "evidence lives in the database")
    }

    @Test func previewsAreGreyAndWithoutDetailAndTheOriginalOnlyComesByARecordedReveal() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            let (caseID, sha) = try await Self.caseWithImage(fixture, http)
            let preview = try await http.call(.get, "/v1/media/\(sha)/preview", key: fixture.viewer)
            #expect(preview.status == 200 && preview.headers[.contentType] == "image/jpeg" && preview.headers[.cacheControl] == "no-store")
            let decoded = try ImageDecoder().decode(preview.body)
            #expect(max(decoded.width, decoded.height) == EvidencePreview.size)
            var colour = 0, edge = 0
            let stride = decoded.channels == .rgb ? 3 : 1
            for y in 0..<decoded.height {
                for x in 0..<decoded.width {
                    let i = (y * decoded.width + x) * stride
                    if stride == 3 { colour = max(colour, Int(decoded.pixels[i]) - Int(decoded.pixels[i + 2]), Int(decoded.pixels[i + 2]) - Int(decoded.pixels[i])) }
                    if x > 0 { edge = max(edge, abs(Int(decoded.pixels[i]) - Int(decoded.pixels[i - stride]))) }
                }
            }
            #expect(colour <= 6, "greyscale (JPEG rounding aside): \(colour)")
            #expect(edge <= 12, "no edge sharper than the blur leaves: \(edge)")

            // A viewer sees the preview, never the original; a reviewer's reveal is recorded.
            #expect(try await http.call(.post, "/v1/media/\(sha)/reveal", key: fixture.viewer).status == 403)
            // A reveal needs a case that cites the file: none, or an unrelated one, is refused and recorded nowhere.
            let caseless = try await http.call(.post, "/v1/media/\(sha)/reveal", key: fixture.reviewer)
            #expect(caseless.status == 400 && caseless.errorMessage?.contains("case_id is required") == true, "\(caseless.text)")
            let unrelated = try #require(try await http.json(.post, "/v1/cases", key: fixture.reviewer, #"{"title":"other"}"#).json["id"] as? Int)
            let wrongCase = try await http.call(.post, "/v1/media/\(sha)/reveal?case_id=\(unrelated)", key: fixture.reviewer)
            #expect(wrongCase.status == 404 && wrongCase.body.count < 1000, "\(wrongCase.text.prefix(200))")
            let unseen = try await http.call(.get, "/v1/media/\(sha)", key: fixture.viewer)
            #expect((unseen.json["reveals"] as? [Any])?.isEmpty == true, "\(unseen.text)")
            let revealed = try await http.call(.post, "/v1/media/\(sha)/reveal?case_id=\(caseID)", key: fixture.reviewer)
            let original = try Images.demo(0)
            #expect(revealed.status == 200 && revealed.body == original && revealed.headers[.cacheControl] == "no-store")
            let record = try await http.call(.get, "/v1/media/\(sha)", key: fixture.viewer)
            let reveals = try #require(record.json["reveals"] as? [[String: Any]])
            #expect(reveals.count == 1 && reveals.first?["case_id"] as? Int == caseID && (reveals.first?["actor"] as? String)?.hasPrefix("key:") == true)
            let audit = try await http.call(.get, "/v1/audit?action=evidence.reveal", key: fixture.admin)
            #expect((audit.json["events"] as? [[String: Any]])?.first?["target"] as? String == "media:\(sha)", "\(audit.text)")
            let events = try await http.call(.get, "/v1/events?types=evidence.revealed", key: fixture.viewer)
            #expect((events.json["events"] as? [Any])?.count == 1)
            // The case's timeline says who saw which file; the case's version is not changed by it.
            let shown = try await http.call(.get, "/v1/cases/\(caseID)", key: fixture.reviewer)
            let line = (shown.json["timeline"] as? [[String: Any]])?.last
            #expect(line?["kind"] as? String == "evidence_revealed" && (line?["detail"] as? [String: Any])?["media_sha256"] as? String == sha)
            #expect(try await http.call(.get, "/v1/media/\(String(repeating: "0", count: 64))/preview", key: fixture.viewer).status == 404)
            #expect(try await http.call(.get, "/v1/media/nothex/preview", key: fixture.viewer).status == 400)
        }
    }

    static func purge(_ fixture: ServerFixture) async throws {
        _ = try await fixture.service.jobs.enqueue(NewJob(kind: EvidencePurgeJob.jobKind, payload: "{}", runAfter: fixture.clock.now))
        while try await fixture.worker.runNext(now: fixture.clock.now) {}
    }

    @Test func falsePositivesArePurgedAfterThirtyDaysConfirmedOnesAfterAYearAndHoldsKeepThem() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            let (dismissed, dismissedSHA) = try await Self.caseWithImage(fixture, http, index: 0, title: "dismissed")
            let (confirmed, confirmedSHA) = try await Self.caseWithImage(fixture, http, index: 1, title: "confirmed")
            let (held, heldSHA) = try await Self.caseWithImage(fixture, http, index: 2, title: "held")
            let (_, openSHA) = try await Self.caseWithImage(fixture, http, index: 3, title: "still open")
            for (id, decision) in [(dismissed, "false_positive"), (confirmed, "confirm"), (held, "false_positive")] {
                #expect(try await http.decide(id, #"{"decision":"\#(decision)"}"#, key: fixture.reviewer).status == 200)
            }
            let until = Date(timeIntervalSinceNow: 400 * 86_400).formatted(.iso8601)
            #expect(try await http.json(.post, "/v1/media/\(heldSHA)/hold", key: fixture.reviewer, #"{"on":true}"#).status == 403)
            #expect(try await http.json(.post, "/v1/media/\(heldSHA)/hold", key: fixture.reporter, #"{"on":true,"until":"\#(until)"}"#).status == 200)
            func preview(_ sha: String) async throws -> Int { try await http.call(.get, "/v1/media/\(sha)/preview", key: fixture.viewer).status }

            fixture.clock.advance(by: 29 * 86_400)
            try await Self.purge(fixture)
            #expect(try await preview(dismissedSHA) == 200, "kept for 30 days")
            fixture.clock.advance(by: 2 * 86_400)
            try await Self.purge(fixture)
            #expect(try await preview(dismissedSHA) == 404, "purged after 30 days")
            #expect(try await http.call(.get, "/v1/media/\(dismissedSHA)", key: fixture.viewer).json["purged_at"] is String)
            for kept in [confirmedSHA, heldSHA, openSHA] { #expect(try await preview(kept) == 200) }

            fixture.clock.advance(by: 340 * 86_400)
            try await Self.purge(fixture)
            #expect(try await preview(confirmedSHA) == 404, "a confirmed case's evidence is kept 365 days")
            #expect(try await preview(heldSHA) == 200, "a legal hold keeps it")
            #expect(try await preview(openSHA) == 200, "an open case keeps its evidence")
            let audit = try await http.call(.get, "/v1/audit?action=evidence.purge", key: fixture.admin)
            #expect(Set((audit.json["events"] as? [[String: Any]] ?? []).compactMap { $0["target"] as? String }) == ["media:\(dismissedSHA)", "media:\(confirmedSHA)"])
            #expect(((try await http.call(.get, "/v1/events?types=evidence.purged", key: fixture.viewer)).json["events"] as? [Any])?.count == 2)
            // Gone from the database too: only the held and the open files' two blobs each remain.
            let remaining = try await fixture.database.run { sql in
                try await sql.raw("SELECT sha256, kind FROM media_blobs").all().map { try $0.decode(column: "sha256", as: String.self) }
            }
            #expect(remaining.count == 4 && Set(remaining) == [heldSHA, openSHA], "\(remaining)")

            // The same image kept again after its purge is a new file: its new case decides.
            let (again, sameSHA) = try await Self.caseWithImage(fixture, http, index: 0, title: "seen again")
            #expect(sameSHA == dismissedSHA)
            #expect(try await preview(sameSHA) == 200)
            #expect(try await http.decide(again, #"{"decision":"false_positive"}"#, key: fixture.reviewer).status == 200)
            try await Self.purge(fixture)
            #expect(try await preview(sameSHA) == 200, "kept 30 days from its new decision, not purged at once")
        }
    }

    @Test func aFileTwoCasesCiteIsKeptWhileEitherNeedsIt() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            let (first, sha) = try await Self.caseWithImage(fixture, http, index: 0, title: "first")
            let (second, same) = try await Self.caseWithImage(fixture, http, index: 0, title: "second")
            #expect(sha == same, "one file however many cases cite it")
            #expect(try await http.decide(first, #"{"decision":"false_positive"}"#, key: fixture.reviewer).status == 200)
            fixture.clock.advance(by: 60 * 86_400)
            try await Self.purge(fixture)
            #expect(try await http.call(.get, "/v1/media/\(sha)/preview", key: fixture.viewer).status == 200, "the second case is open")
            _ = second
        }
    }
}
