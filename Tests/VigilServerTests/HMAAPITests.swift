import ContentHashing
import Foundation
import Testing
import VigilServer

/// HMA's `/h`, `/m` and `/c` routes with HMA's shapes, as ROOST Coop and HMA clients call them.
@Suite struct HMAAPITests {
    @Test func hashingByURLAndUpload() async throws {
        let origin = try await OriginServer.start()
        let fixture = try await ServerFixture()
        let expected = try ContentHasher().signals(of: try Images.demo(0)).pdq.hex
        try await fixture.test { client in
            let byURL = try await client.call(.get, "/h/hash?url=\(origin.url("/demo-0.jpg"))", key: fixture.matcher)
            #expect(byURL.status == 200 && byURL.json as NSDictionary == ["pdq": expected])
            let upload = try await client.multipart("/h/hash", key: fixture.matcher, parts: [("photo", "a.jpg", try Images.demo(0))])
            #expect(upload.status == 200 && upload.json["pdq"] as? String == expected)
            // Under the quality gate HMA returns an empty hash.
            let flat = try await client.multipart("/h/hash", key: fixture.matcher, parts: [("photo", "f.jpg", try Images.solid(width: 64, height: 64))])
            #expect(flat.json["pdq"] as? String == "")

            let video = try await client.multipart("/h/hash", key: fixture.matcher, parts: [("video", "v.mp4", [0, 0, 0, 24])])
            #expect(video.status == 400 && (video.json["message"] as? String)?.contains("photo") == true)
            let missing = try await client.call(.get, "/h/hash", key: fixture.matcher)
            #expect(missing.status == 400 && missing.json["message"] as? String == "url is required")
            let privateURL = try await client.call(.get, "/h/hash?url=http://192.168.0.1/x.jpg", key: fixture.matcher)
            #expect(privateURL.status == 400 && privateURL.errorCode == "url_address_refused")
        }
        try await origin.stop()
    }

    @Test func lookupShapes() async throws {
        let origin = try await OriginServer.start()
        let fixture = try await ServerFixture()
        let pdq = try ContentHasher().signals(of: try Images.demo(0)).pdq
        let near = pdq.flippingBit(3).flippingBit(100)
        let id = fixture.entryIDs[0]
        try await fixture.test { client in
            let bySignal = try await client.call(.get, "/m/lookup?signal_type=pdq&signal=\(near.hex)", key: fixture.matcher)
            #expect(bySignal.status == 200)
            #expect(bySignal.json as NSDictionary == ["TEST_BANK": [["bank_content_id": id, "distance": "2"]]])
            let filtered = try await client.call(.get, "/m/lookup?signal_type=pdq&signal=\(near.hex)&banks=OTHER", key: fixture.matcher)
            #expect(filtered.text == "{}")
            let byURL = try await client.call(.get, "/m/lookup?url=\(origin.url("/demo-0.jpg"))", key: fixture.matcher)
            #expect(byURL.json as NSDictionary == ["pdq": ["TEST_BANK": [["bank_content_id": id, "distance": "0"]]]])
            let upload = try await client.multipart("/m/lookup", key: fixture.matcher, parts: [("photo", "a.jpg", try Images.demo(0))])
            #expect(upload.json as NSDictionary == ["pdq": ["TEST_BANK": [["bank_content_id": id, "distance": "0"]]]])
            let md5 = try ContentHasher().signals(of: try Images.demo(0)).md5
            let byMD5 = try await client.call(.get, "/m/lookup?signal_type=md5&signal=\(md5)", key: fixture.matcher)
            #expect(byMD5.json as NSDictionary == ["TEST_BANK": [["bank_content_id": id, "distance": "0"]]])

            let raw = try await client.call(.get, "/m/raw_lookup?signal_type=pdq&signal=\(near.hex)", key: fixture.matcher)
            #expect(raw.json as NSDictionary == ["matches": [id]])
            let rawDistance = try await client.call(.get, "/m/raw_lookup?signal_type=pdq&signal=\(near.hex)&include_distance=true", key: fixture.matcher)
            #expect(rawDistance.json as NSDictionary == ["matches": [["bank_content_id": id, "distance": "2"]]])

            let badSignal = try await client.call(.get, "/m/lookup?signal_type=pdq&signal=zz", key: fixture.matcher)
            #expect(badSignal.status == 400 && badSignal.json["message"] as? String == "signal must be 64 hexadecimal digits")
            let badType = try await client.call(.get, "/m/lookup?signal_type=vpdq&signal=00", key: fixture.matcher)
            #expect(badType.status == 400 && badType.json["message"] as? String == "No such SignalType 'vpdq'")
            let neither = try await client.call(.get, "/m/lookup", key: fixture.matcher)
            #expect(neither.status == 400)
            let rawMissing = try await client.call(.get, "/m/raw_lookup?signal_type=pdq", key: fixture.matcher)
            #expect(rawMissing.status == 400)
        }
        try await origin.stop()
    }

    @Test func compareAndIndexStatus() async throws {
        let fixture = try await ServerFixture()
        let a = String(repeating: "f", count: 64), b = String(repeating: "f", count: 63) + "0"
        try await fixture.test { client in
            let compared = try await client.json(.post, "/m/compare", key: fixture.matcher, #"{"pdq": ["\#(a)", "\#(b)"]}"#)
            #expect(compared.status == 200 && compared.json as NSDictionary == ["pdq": [true, ["distance": 4]]])
            let wrongLength = try await client.json(.post, "/m/compare", key: fixture.matcher, #"{"pdq": ["\#(a)"]}"#)
            #expect(wrongLength.status == 400 && wrongLength.json["message"] as? String == "Comparison hash list length must be exactly 2")
            let notList = try await client.json(.post, "/m/compare", key: fixture.matcher, #"{"pdq": "x"}"#)
            #expect(notList.status == 400)
            let malformed = try await client.json(.post, "/m/compare", key: fixture.matcher, #"{"pdq": ["#)
            #expect(malformed.status == 400 && malformed.errorCode == "malformed_json")

            let status = try await client.call(.get, "/m/index/status", key: fixture.matcher)
            let pdq = status.json["pdq"] as? [String: Any]
            #expect(pdq?["present"] as? Bool == true && pdq?["size"] as? Int == 2 && (pdq?["built_to"] as? Int ?? 0) > 1_700_000_000)
            let one = try await client.call(.get, "/m/index/status?signal_type=md5", key: fixture.matcher)
            #expect(Set(one.json.keys) == ["md5"])
            #expect(try await client.call(.get, "/m/index/status?signal_type=nope", key: fixture.matcher).status == 400)
        }
    }

    @Test func curationOfBanks() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { client in
            let created = try await client.json(.post, "/c/banks", key: fixture.curator, #"{"name": "COOP_ACME_CSAM"}"#)
            #expect(created.status == 201 && created.json as NSDictionary == ["name": "COOP_ACME_CSAM", "matching_enabled_ratio": 1])
            let again = try await client.json(.post, "/c/banks", key: fixture.curator, #"{"name": "COOP_ACME_CSAM"}"#)
            #expect(again.status == 403 && again.json["message"] as? String == "Bank already exists")
            let lower = try await client.json(.post, "/c/banks", key: fixture.curator, #"{"name": "lower_case"}"#)
            #expect(lower.status == 400)
            let ratio = try await client.json(.post, "/c/banks", key: fixture.curator, #"{"name": "HALF", "enabled_ratio": 0.5}"#)
            #expect(ratio.status == 400)
            let wrongType = try await client.json(.post, "/c/banks", key: fixture.curator, #"{"name": 7}"#)
            #expect(wrongType.status == 400)
            let asMatcher = try await client.json(.post, "/c/banks", key: fixture.matcher, #"{"name": "NOPE"}"#)
            #expect(asMatcher.status == 403 && asMatcher.errorCode == "forbidden")

            let list = try await client.call(.get, "/c/banks", key: fixture.matcher)
            #expect((list.array as? [[String: Any]])?.compactMap { $0["name"] as? String }.sorted() == ["ALLOW_BANK", "COOP_ACME_CSAM", "TEST_BANK"])
            let shown = try await client.call(.get, "/c/bank/COOP_ACME_CSAM", key: fixture.matcher)
            #expect(shown.json["name"] as? String == "COOP_ACME_CSAM")
            #expect(try await client.call(.get, "/c/bank/MISSING", key: fixture.matcher).status == 404)

            let disabled = try await client.json(.put, "/c/bank/COOP_ACME_CSAM", key: fixture.curator, #"{"name": "COOP_ACME_RENAMED", "enabled": false}"#)
            #expect(disabled.json as NSDictionary == ["name": "COOP_ACME_RENAMED", "matching_enabled_ratio": 0])
            #expect(try await client.json(.put, "/c/bank/MISSING", key: fixture.curator, "{}").status == 404)
            #expect(try await client.json(.put, "/c/bank/COOP_ACME_RENAMED", key: fixture.curator, #"{"name": "TEST_BANK"}"#).status == 403)

            let deleted = try await client.call(.delete, "/c/bank/COOP_ACME_RENAMED", key: fixture.curator)
            #expect(deleted.json as NSDictionary == ["message": "Done"])
            #expect(try await client.call(.get, "/c/bank/COOP_ACME_RENAMED", key: fixture.matcher).status == 404)
        }
    }

    @Test func curationOfContent() async throws {
        let fixture = try await ServerFixture()
        let image = try Images.demo(2)
        let pdq = try ContentHasher().signals(of: image).pdq.hex
        try await fixture.test { client in
            let added = try await client.multipart("/c/bank/TEST_BANK/content", key: fixture.curator, parts: [
                ("photo", "p.jpg", image), ("metadata", nil, Array(#"{"content_id": "abc-1", "content_uri": "https://example.com/p.jpg", "json": {"k": 1}}"#.utf8)),
                ("note", nil, Array("reported by user".utf8)),
            ])
            #expect(added.status == 200 && (added.json["signals"] as? [String: String]) == ["pdq": pdq])
            let id = try #require(added.json["id"] as? Int)
            let lookup = try await client.call(.get, "/m/lookup?signal_type=pdq&signal=\(pdq)", key: fixture.matcher)
            #expect(lookup.json as NSDictionary == ["TEST_BANK": [["bank_content_id": id, "distance": "0"]]])

            let content = try await client.call(.get, "/c/bank/TEST_BANK/content/\(id)?include_signals=true", key: fixture.matcher)
            #expect(content.json["id"] as? Int == id && content.json["disable_until_ts"] as? Int == 0)
            #expect(content.json["original_media_uri"] as? String == "https://example.com/p.jpg")
            #expect((content.json["signals"] as? [String: String])?["pdq"] == pdq)
            #expect((content.json["bank"] as? [String: Any])?["name"] as? String == "TEST_BANK")
            #expect(try await client.call(.get, "/c/bank/ALLOW_BANK/content/\(id)", key: fixture.matcher).status == 404)
            #expect(try await client.call(.get, "/c/bank/TEST_BANK/content/999999", key: fixture.matcher).status == 404)
            #expect(try await client.call(.get, "/c/bank/TEST_BANK/content/abc", key: fixture.matcher).status == 400)

            // Snoozing stops matches; zero lifts it.
            let until = Int(Date().timeIntervalSince1970) + 3600
            let snoozed = try await client.json(.put, "/c/bank/TEST_BANK/content/\(id)", key: fixture.curator, #"{"disable_until_ts": \#(until)}"#)
            #expect(snoozed.status == 200 && snoozed.json["disable_until_ts"] as? Int == until)
            #expect(try await client.call(.get, "/m/lookup?signal_type=pdq&signal=\(pdq)", key: fixture.matcher).text == "{}")
            _ = try await client.json(.put, "/c/bank/TEST_BANK/content/\(id)", key: fixture.curator, #"{"disable_until_ts": 0}"#)
            #expect(try await client.call(.get, "/m/lookup?signal_type=pdq&signal=\(pdq)", key: fixture.matcher).text != "{}")
            let tooFar = try await client.json(.put, "/c/bank/TEST_BANK/content/\(id)", key: fixture.curator, #"{"disable_until_ts": 99999999999}"#)
            #expect(tooFar.status == 400)
            let negative = try await client.json(.put, "/c/bank/TEST_BANK/content/\(id)", key: fixture.curator, #"{"disable_until_ts": -1}"#)
            #expect(negative.status == 400)

            let deleted = try await client.call(.delete, "/c/bank/TEST_BANK/content/\(id)", key: fixture.curator)
            #expect(deleted.json as NSDictionary == ["deleted": 1])
            #expect(try await client.call(.delete, "/c/bank/TEST_BANK/content/\(id)", key: fixture.curator).json as NSDictionary == ["deleted": 0])
            #expect(try await client.call(.get, "/m/lookup?signal_type=pdq&signal=\(pdq)", key: fixture.matcher).text == "{}")

            let signal = try await client.json(.post, "/c/bank/TEST_BANK/signal", key: fixture.curator, #"{"pdq": "\#(pdq.uppercased())", "note": "hash only"}"#)
            #expect(signal.status == 200 && (signal.json["signals"] as? [String: String]) == ["pdq": pdq])
            let again = try await client.json(.post, "/c/bank/TEST_BANK/signal", key: fixture.curator, #"{"pdq": "\#(pdq)"}"#)
            #expect(again.json["id"] as? Int == signal.json["id"] as? Int)
            // A snoozed entry is still the one adding it again finds (the index no longer searches
            // it: the answer was 409 "already in the bank" with no id).
            let signalID = try #require(signal.json["id"] as? Int)
            _ = try await client.json(.put, "/c/bank/TEST_BANK/content/\(signalID)", key: fixture.curator, #"{"disable_until_ts": \#(until)}"#)
            let whileSnoozed = try await client.json(.post, "/c/bank/TEST_BANK/signal", key: fixture.curator, #"{"pdq": "\#(pdq)"}"#)
            #expect(whileSnoozed.status == 200 && whileSnoozed.json["id"] as? Int == signalID, "\(whileSnoozed.text)")
            #expect(try await client.json(.post, "/c/bank/TEST_BANK/signal", key: fixture.curator, #"{"pdq": "12"}"#).status == 400)
            #expect(try await client.json(.post, "/c/bank/TEST_BANK/signal", key: fixture.curator, #"{"tmk": "12"}"#).status == 400)
            #expect(try await client.json(.post, "/c/bank/TEST_BANK/signal", key: fixture.curator, "{}").status == 400)
            #expect(try await client.json(.post, "/c/bank/NOPE/signal", key: fixture.curator, #"{"pdq": "\#(pdq)"}"#).status == 404)
            #expect(try await client.call(.post, "/c/bank/TEST_BANK/content", key: fixture.curator).status == 400)
        }
    }
}
