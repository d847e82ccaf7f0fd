import Banks
import ContentHashing
import Foundation
import HummingbirdTesting
import PDQ
import Testing
import VigilTestSupport
import Workflows
import VigilServer

/// An allow entry made from a near-duplicate never hides the known image itself: the repro of
/// issue 27 on every API (native, PhotoDNA, HMA by PDQ and by MD5, a workflow's Match Lookup),
/// on both backends. A reviewer's false positive about a resized copy adds that copy's own
/// signals to the allow bank; the copy is then suppressed (with the allow entry named), the
/// original still matches; reopening the case removes the allow entry again.
@Suite struct AllowRuleTests {
    /// The known image, and a copy of it resized to 512×512 (PDQ distance 8).
    static let original = "reg-test-input/dih/bridge-1-original.jpg"
    static let resized = "bridge-mods/square-512x512.jpg"

    @Test(arguments: Backend.allCases)
    func anAllowEntryOfAResizedCopyNeverHidesTheKnownImage(_ backend: Backend) async throws {
        let fixture = try await ServerFixture(backend)
        let (photo, copy) = (try Images.reference(Self.original), try Images.reference(Self.resized))
        let known = try ContentHasher().signals(of: photo)
        let copySignals = try ContentHasher().signals(of: copy)
        #expect(known.pdq.distance(to: copySignals.pdq) == 8 && known.md5 != copySignals.md5)
        let entry = try #require(try await fixture.service.banks.addEntries([NewEntry(
            signals: EntrySignals(pdq: known.pdq, pdqQuality: known.quality, md5: known.md5, sha256: known.sha256), addedBy: "test")],
            to: fixture.bank).inserted.first?.entryID)
        let origin = try await OriginServer.start(files: ["photo1.jpg": photo, "copy.jpg": copy])
        try await fixture.test { http in
            // A case about the resized copy, resolved as a false positive into the allow bank.
            let opened = try await http.json(.post, "/v1/cases", key: fixture.reviewer, #"{"title":"resized upload"}"#)
            let caseID = try #require(opened.json["id"] as? Int)
            let added = try await http.call(.post, "/v1/cases/\(caseID)/evidence?file_name=copy.jpg", key: fixture.reviewer,
                                            contentType: "image/jpeg", body: copy)
            #expect(added.status == 201, "\(added.text)")
            let version = try #require(added.json["version"] as? Int)
            let dismissed = try await http.json(.post, "/v1/cases/\(caseID)/decisions", key: fixture.reviewer,
                                                #"{"decision":"false_positive","add_to_allow_bank":"ALLOW_BANK","version":\#(version)}"#)
            #expect(dismissed.json["status"] as? String == "resolved_false_positive", "\(dismissed.text)")
            // The timeline names the allow entry it created: the copy's own signals, not the matched entry.
            let timeline = try #require(dismissed.json["timeline"] as? [[String: Any]])
            let addedLine = try #require(timeline.first { $0["kind"] as? String == "bank_entries_added" }?["detail"] as? [String: Any])
            let allowID = try #require((addedLine["entry_ids"] as? [Int])?.first)
            let allowEntry = try await fixture.service.banks.entry(id: Int64(allowID))
            #expect(allowEntry.bankID == fixture.allowBank.id && allowEntry.signals.md5 == copySignals.md5 && allowEntry.signals.pdq == copySignals.pdq)

            // The known image is an exact hit: it matches on every API.
            let native = try await http.call(.post, "/v1/match", key: fixture.matcher, contentType: "image/jpeg", body: photo)
            #expect(native.json["is_match"] as? Bool == true, "\(native.text)")
            #expect((native.json["matches"] as? [[String: Any]])?.first?["entry_id"] as? Int == Int(entry))
            let photoDNA = try await http.json(.post, "/photodna/v1.0/Match", key: fixture.matcher,
                                               #"{"DataRepresentation":"Inline","Value":"\#(Data(photo).base64EncodedString())"}"#)
            #expect(photoDNA.json["IsMatch"] as? Bool == true, "\(photoDNA.text)")
            let byPDQ = try await http.call(.get, "/m/lookup?signal_type=pdq&signal=\(known.pdq.hex)", key: fixture.matcher)
            #expect(byPDQ.json["TEST_BANK"] != nil, "\(byPDQ.text)")
            let byMD5 = try await http.call(.get, "/m/lookup?signal_type=md5&signal=\(known.md5)", key: fixture.matcher)
            #expect(byMD5.json["TEST_BANK"] != nil, "\(byMD5.text)")

            // The near-duplicate the allow entry was made from is still suppressed, by that entry.
            let copyAnswer = try await http.call(.post, "/v1/match", key: fixture.matcher, contentType: "image/jpeg", body: copy)
            #expect(copyAnswer.json["is_match"] as? Bool == false, "\(copyAnswer.text)")
            let suppressed = try #require((copyAnswer.json["suppressed"] as? [[String: Any]])?.first)
            #expect(suppressed["entry_id"] as? Int == Int(entry) && suppressed["distance"] as? Int == 8)
            let by = try #require(suppressed["suppressed_by"] as? [String: Any])
            #expect(by["bank"] as? String == "ALLOW_BANK" && by["entry_id"] as? Int == allowID && by["distance"] as? Int == 0)
            let copyPhotoDNA = try await http.json(.post, "/photodna/v1.0/Match", key: fixture.matcher,
                                                   #"{"DataRepresentation":"Inline","Value":"\#(Data(copy).base64EncodedString())"}"#)
            #expect(copyPhotoDNA.json["IsMatch"] as? Bool == false)
            let copyByPDQ = try await http.call(.get, "/m/lookup?signal_type=pdq&signal=\(copySignals.pdq.hex)", key: fixture.matcher)
            #expect(copyByPDQ.json["TEST_BANK"] == nil, "\(copyByPDQ.text)")

            // In a workflow: the original takes the matched branch; the copy the other, and the
            // step's output says what was suppressed and by which allow entry.
            let workflow = try await WorkflowAPITests.publish(WorkflowLibrary.screenUploadedImage(), http, admin: fixture.admin)
            let first = try await WorkflowAPITests.start(workflow, #"{"image_url":"\#(origin.url("/files/photo1.jpg"))"}"#, key: fixture.analyst, http)
            let second = try await WorkflowAPITests.start(workflow, #"{"image_url":"\#(origin.url("/files/copy.jpg"))"}"#, key: fixture.analyst, http)
            try await fixture.runJobs()
            let matchedRun = try await http.call(.get, "/v1/workflow-runs/\(try #require(first.json["id"] as? Int))", key: fixture.analyst)
            let matchedSteps = WorkflowAPITests.steps(matchedRun)
            #expect((matchedSteps["decide"]?["output"] as? [String: Any])?["branch"] as? String == "0", "\(matchedRun.text)")
            #expect(((matchedSteps["lookup"]?["output"] as? [String: Any])?["suppressed"] as? [Any])?.isEmpty == true)
            let otherRun = try await http.call(.get, "/v1/workflow-runs/\(try #require(second.json["id"] as? Int))", key: fixture.analyst)
            let otherSteps = WorkflowAPITests.steps(otherRun)
            #expect((otherSteps["decide"]?["output"] as? [String: Any])?["branch"] as? String == "else", "\(otherRun.text)")
            let stepSuppressed = try #require(((otherSteps["lookup"]?["output"] as? [String: Any])?["suppressed"] as? [[String: Any]])?.first)
            #expect(stepSuppressed["match_id"] as? String == String(entry))
            #expect((stepSuppressed["suppressed_by"] as? [String: Any])?["match_id"] as? String == String(allowID))

            // Reopening the case undoes the decision: its allow entry is gone and the copy matches again.
            let current = try await http.call(.get, "/v1/cases/\(caseID)", key: fixture.reviewer)
            let reopened = try await http.json(.post, "/v1/cases/\(caseID)/decisions", key: fixture.reviewer,
                                               #"{"decision":"reopen","version":\#(try #require(current.json["version"] as? Int))}"#)
            #expect(reopened.json["status"] as? String == "open", "\(reopened.text)")
            let removedLine = try #require((reopened.json["timeline"] as? [[String: Any]])?.last { $0["kind"] as? String == "bank_entries_removed" })
            #expect((removedLine["detail"] as? [String: Any])?["entry_ids"] as? [Int] == [allowID])
            #expect(try await fixture.service.banks.findEntry(id: Int64(allowID)) == nil)
            let again = try await http.call(.post, "/v1/match", key: fixture.matcher, contentType: "image/jpeg", body: copy)
            #expect(again.json["is_match"] as? Bool == true, "\(again.text)")
        }
        try await origin.stop()
    }
}

/// A false positive never turns a matched entry's own signal into an allow entry: a re-encode
/// with the known image's very PDQ adds only its own bytes, so the known image (and a lookup by
/// its PDQ alone) still matches.
@Suite struct FalsePositiveSignalTests {
    @Test func aFalsePositiveAddsOnlyTheSignalsNoMatchedEntryHolds() async throws {
        let fixture = try await ServerFixture()
        let known = try ContentHasher().signals(of: try Images.demo(0))
        try await fixture.test { http in
            let copyMD5 = String(repeating: "5e", count: 16)
            let opened = try await http.json(.post, "/v1/cases", key: fixture.reviewer, """
                {"title":"re-encoded upload","evidence":[{"provider":"vigil","bank":"TEST_BANK","entry_id":\(fixture.entryIDs[0]),"distance":0,
                 "pdq":"\(known.pdq.hex)","md5":"\(copyMD5)"}]}
                """)
            let caseID = try #require(opened.json["id"] as? Int, "\(opened.text)")
            let dismissed = try await http.decide(caseID, #"{"decision":"false_positive","add_to_allow_bank":"ALLOW_BANK"}"#, key: fixture.reviewer)
            let line = try #require((dismissed.json["timeline"] as? [[String: Any]])?.first { $0["kind"] as? String == "bank_entries_added" }?["detail"]
                as? [String: Any], "\(dismissed.text)")
            let withheld = try #require(line["withheld"] as? [String])
            #expect(withheld.count == 1 && withheld[0].contains("pdq") && withheld[0].contains("entry \(fixture.entryIDs[0])"), "\(withheld)")
            let id = try #require((line["entry_ids"] as? [Int])?.first)
            let added = try await fixture.service.banks.entry(id: Int64(id))
            #expect(added.signals.pdq == nil && added.signals.md5 == copyMD5)
            // The known image, and its PDQ alone, still match.
            let byHash = try await http.call(.get, "/m/lookup?signal_type=pdq&signal=\(known.pdq.hex)", key: fixture.matcher)
            #expect(byHash.json["TEST_BANK"] != nil, "\(byHash.text)")
            let byImage = try await http.call(.post, "/v1/match", key: fixture.matcher, contentType: "image/jpeg", body: try Images.demo(0))
            #expect(byImage.json["is_match"] as? Bool == true)
        }
    }
}

/// The allow rule itself, on entries.
@Suite struct AllowRuleUnitTests {
    static let matchBank = Bank(id: 1, name: "BAD", description: "", kind: .match, enabled: true, pdqThreshold: 31, labels: [],
                                createdAt: Date(), updatedAt: Date())
    static let allowBank = Bank(id: 2, name: "OK", description: "", kind: .allow, enabled: true, pdqThreshold: 31, labels: [],
                                createdAt: Date(), updatedAt: Date())

    static func entry(_ bank: Bank, _ id: Int64, _ signals: [MatchedSignal], pdq: Int?, variant: DihedralVariant? = .original) -> EntryMatch {
        EntryMatch(bank: bank, entryID: id, signals: signals, pdqDistance: pdq, variant: pdq == nil ? nil : variant)
    }

    /// With enhanced matching, an allow entry that holds a turned copy's PDQ is not the image's
    /// own PDQ: it never overrides a match of the image as it is.
    @Test func aTurnedCopyInTheAllowBankIsNotTheImage() {
        let known = Self.entry(Self.matchBank, 1, [.pdq], pdq: 0)
        #expect(AllowRule.suppressor(of: known, among: [Self.entry(Self.allowBank, 9, [.pdq], pdq: 0, variant: .rotate270)]) == nil)
        let turnedMatch = Self.entry(Self.matchBank, 2, [.pdq], pdq: 3, variant: .flipX)
        #expect(AllowRule.suppressor(of: turnedMatch, among: [Self.entry(Self.allowBank, 9, [.pdq], pdq: 3)])?.entryID == 9,
                "the image as it is, at the same distance, is nearer than a turned copy")
        #expect(AllowRule.suppressor(of: turnedMatch, among: [Self.entry(Self.allowBank, 9, [.pdq], pdq: 3, variant: .rotate90)]) == nil)
    }

    @Test func anExactHitIsSuppressedOnlyByAnAllowEntryHoldingThatVerySignal() {
        let exact = Self.entry(Self.matchBank, 1, [.pdq, .md5, .sha256], pdq: 0)
        #expect(AllowRule.suppressor(of: exact, among: [Self.entry(Self.allowBank, 9, [.pdq], pdq: 4)]) == nil)
        #expect(AllowRule.suppressor(of: exact, among: [Self.entry(Self.allowBank, 9, [.pdq], pdq: 0)]) == nil,
                "a copy with the same PDQ does not hold the known image's bytes")
        #expect(AllowRule.suppressor(of: exact, among: [Self.entry(Self.allowBank, 9, [.pdq, .md5, .sha256], pdq: 0)])?.entryID == 9)
        #expect(AllowRule.suppressor(of: exact, among: [Self.entry(Self.allowBank, 9, [.md5], pdq: nil)])?.entryID == 9,
                "an allow entry of the very file (its MD5) is the curator's override")
        let md5Only = Self.entry(Self.matchBank, 2, [.md5], pdq: nil)
        #expect(AllowRule.suppressor(of: md5Only, among: [Self.entry(Self.allowBank, 9, [.pdq], pdq: 0)]) == nil)
        #expect(AllowRule.suppressor(of: md5Only, among: [Self.entry(Self.allowBank, 9, [.md5], pdq: nil)])?.entryID == 9)
        let pdqExact = Self.entry(Self.matchBank, 3, [.pdq], pdq: 0)
        #expect(AllowRule.suppressor(of: pdqExact, among: [Self.entry(Self.allowBank, 9, [.pdq], pdq: 0)])?.entryID == 9, "the very PDQ hash")
        #expect(AllowRule.suppressor(of: pdqExact, among: [Self.entry(Self.allowBank, 9, [.pdq], pdq: 1)]) == nil)
    }

    @Test func aNearHitIsSuppressedOnlyByAStrictlyNearerAllowEntry() {
        let near = Self.entry(Self.matchBank, 1, [.pdq], pdq: 8)
        #expect(AllowRule.suppressor(of: near, among: [Self.entry(Self.allowBank, 9, [.pdq], pdq: 8)]) == nil, "a tie keeps the match")
        #expect(AllowRule.suppressor(of: near, among: [Self.entry(Self.allowBank, 9, [.pdq], pdq: 7)])?.entryID == 9)
        #expect(AllowRule.suppressor(of: near, among: [Self.entry(Self.allowBank, 9, [.md5], pdq: nil)])?.entryID == 9, "the very file is nearer")
        let nearest = AllowRule.suppressor(of: near, among: [Self.entry(Self.allowBank, 9, [.pdq], pdq: 5), Self.entry(Self.allowBank, 8, [.pdq], pdq: 2)])
        #expect(nearest?.entryID == 8)
    }
}
