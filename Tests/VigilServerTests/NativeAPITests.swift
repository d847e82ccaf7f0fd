import Foundation
import Logging
import Testing
import VigilServer
import VigilTestSupport

/// `POST /v1/hash` and `POST /v1/match`: every input form, the options, and bad input.
@Suite struct NativeAPITests {
    @Test func hashReturnsSignalsAndImageFacts() async throws {
        let fixture = try await ServerFixture()
        let image = try Images.reference("reg-test-input/dih/bridge-1-original.jpg")
        try await fixture.test { client in
            let reply = try await client.call(.post, "/v1/hash", key: fixture.matcher, contentType: "image/jpeg", body: image)
            #expect(reply.status == 200)
            let signals = reply.json["signals"] as? [String: Any]
            #expect(signals?["pdq"] as? String == "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22")
            #expect(signals?["pdq_quality"] as? Int == 100)
            #expect((signals?["md5"] as? String)?.count == 32)
            let facts = reply.json["image"] as? [String: Any]
            #expect(facts?["width"] as? Int == 1600 && facts?["height"] as? Int == 1004 && facts?["format"] as? String == "jpeg")
            #expect(reply.headers[OperationsTests.requestID] != nil)

            let dihedral = try await client.call(.post, "/v1/hash?enhanced=true", key: fixture.matcher, contentType: "image/jpeg", body: image)
            #expect(((dihedral.json["signals"] as? [String: Any])?["dihedral"] as? [String: String])?.count == 8)

            let tiny = try await client.call(.post, "/v1/hash", key: fixture.matcher, contentType: "image/jpeg",
                                             body: try Images.textured(width: 4, height: 4))
            #expect(tiny.status == 200)
            #expect((tiny.json["image"] as? [String: Any])?["too_small_for_pdq"] as? Bool == true)

            let junk = try await client.call(.post, "/v1/hash", key: fixture.matcher, contentType: "image/jpeg", body: Array("hello".utf8))
            #expect(junk.status == 415 && junk.errorCode == "unsupported_format")
            let signalsOnly = try await client.json(.post, "/v1/hash", key: fixture.matcher, #"{"pdq": "00"}"#)
            #expect(signalsOnly.status == 400 && signalsOnly.errorCode == "missing_image")
        }
    }

    @Test func matchByRawMultipartBase64AndSignals() async throws {
        let fixture = try await ServerFixture()
        let image = try Images.demo(1)
        try await fixture.test { client in
            let raw = try await client.call(.post, "/v1/match", key: fixture.matcher, contentType: "image/jpeg", body: image)
            #expect(raw.status == 200)
            #expect(raw.json["is_match"] as? Bool == true)
            let hit = (raw.json["matches"] as? [[String: Any]])?.first
            #expect(hit?["bank"] as? String == "TEST_BANK")
            #expect(hit?["entry_id"] as? Int == Int(fixture.entryIDs[1]))
            #expect(hit?["distance"] as? Int == 0 && hit?["variant"] as? String == "original")
            #expect(hit?["labels"] as? [String] == ["A1", "verified"])
            #expect((hit?["entry"] as? [String: Any])?["external_id"] as? String == "case-1")
            #expect((raw.json["timings_ms"] as? [String: Any])?["hash"] != nil)

            let form = try await client.multipart("/v1/match", key: fixture.matcher, parts: [("image", "x.jpg", image), ("threshold", nil, Array("10".utf8))])
            #expect(form.status == 200 && form.json["is_match"] as? Bool == true)

            let base64 = try await client.json(.post, "/v1/match", key: fixture.matcher, #"{"base64": "\#(Data(image).base64EncodedString())"}"#)
            #expect(base64.status == 200 && base64.json["is_match"] as? Bool == true)
            #expect((base64.json["image"] as? [String: Any])?["source"] as? String == "base64")

            let pdq = try #require((raw.json["signals"] as? [String: Any])?["pdq"] as? String)
            let bySignal = try await client.json(.post, "/v1/match", key: fixture.matcher, #"{"pdq": "\#(pdq)", "banks": ["TEST_BANK"]}"#)
            #expect(bySignal.status == 200 && bySignal.json["is_match"] as? Bool == true)
            #expect(bySignal.json["image"] == nil || bySignal.json["image"] is NSNull)

            let other = try await client.call(.post, "/v1/match", key: fixture.matcher, contentType: "image/jpeg", body: try Images.demo(3))
            #expect(other.status == 200 && other.json["is_match"] as? Bool == false)
            #expect((other.json["matches"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func matchByURLGoesThroughTheSafeFetcher() async throws {
        let origin = try await OriginServer.start()
        let fixture = try await ServerFixture()
        try await fixture.test { client in
            let reply = try await client.json(.post, "/v1/match", key: fixture.matcher, #"{"url": "\#(origin.url("/demo-0.jpg"))"}"#)
            #expect(reply.status == 200 && reply.json["is_match"] as? Bool == true)
            #expect((reply.json["timings_ms"] as? [String: Any])?["fetch"] is Double)

            let refused = try await client.json(.post, "/v1/match", key: fixture.matcher, #"{"url": "http://10.0.0.7/a.jpg"}"#)
            #expect(refused.status == 400 && refused.errorCode == "url_address_refused")
            #expect(refused.errorMessage?.contains("10.0.0.0/8") == true)
        }
        try await origin.stop()
    }

    @Test func enhancedMatchingFindsARotatedCopy() async throws {
        let fixture = try await ServerFixture()
        let original = try Images.reference("reg-test-input/dih/bridge-1-original.jpg")
        let rotated = try Images.reference("reg-test-input/dih/bridge-2-rotate-90.jpg")
        try await fixture.test { client in
            let added = try await client.call(.post, "/v1/banks/TEST_BANK/entries", key: fixture.curator, contentType: "image/jpeg", body: original)
            #expect(added.status == 201)
            let plain = try await client.call(.post, "/v1/match", key: fixture.matcher, contentType: "image/jpeg", body: rotated)
            #expect(plain.json["is_match"] as? Bool == false)
            let enhanced = try await client.call(.post, "/v1/match?enhanced=true", key: fixture.matcher, contentType: "image/jpeg", body: rotated)
            #expect(enhanced.json["is_match"] as? Bool == true)
            #expect((enhanced.json["matches"] as? [[String: Any]])?.first?["variant"] as? String == "rotate270")
        }
    }

    @Test func allowBanksSuppressMatches() async throws {
        let fixture = try await ServerFixture()
        let image = try Images.demo(0)
        try await fixture.test { client in
            let allowed = try await client.call(.post, "/v1/banks/ALLOW_BANK/entries", key: fixture.curator, contentType: "image/jpeg", body: image)
            #expect(allowed.status == 201)
            let reply = try await client.call(.post, "/v1/match", key: fixture.matcher, contentType: "image/jpeg", body: image)
            #expect(reply.json["is_match"] as? Bool == false)
            #expect((reply.json["suppressed"] as? [[String: Any]])?.first?["bank"] as? String == "TEST_BANK")
            #expect((reply.json["allowed_by"] as? [[String: Any]])?.first?["bank"] as? String == "ALLOW_BANK")
        }
    }

    @Test func badInputGetsClearErrors() async throws {
        let fixture = try await ServerFixture(settings: ServerSettings(maxBodyBytes: 200_000))
        try await fixture.test { client in
            let malformed = try await client.json(.post, "/v1/match", key: fixture.matcher, #"{"pdq": "#)
            #expect(malformed.status == 400 && malformed.errorCode == "malformed_json")
            let wrongType = try await client.json(.post, "/v1/match", key: fixture.matcher, #"{"pdq": 5}"#)
            #expect(wrongType.status == 400 && wrongType.errorMessage?.contains("\"pdq\"") == true)
            let badHex = try await client.json(.post, "/v1/match", key: fixture.matcher, #"{"pdq": "xyz"}"#)
            #expect(badHex.status == 400 && badHex.errorCode == "invalid_signal")
            let twoInputs = try await client.json(.post, "/v1/match", key: fixture.matcher, #"{"pdq": "\#(String(repeating: "0", count: 64))", "base64": "AA=="}"#)
            #expect(twoInputs.status == 400)
            let unknownBank = try await client.json(.post, "/v1/match", key: fixture.matcher,
                                                    #"{"pdq": "\#(String(repeating: "a", count: 64))", "banks": ["NOPE"]}"#)
            #expect(unknownBank.status == 404 && unknownBank.errorMessage?.contains("NOPE") == true)
            let threshold = try await client.call(.post, "/v1/match?threshold=900", key: fixture.matcher, contentType: "image/jpeg", body: try Images.demo(0))
            #expect(threshold.status == 400 && threshold.errorCode == "invalid_threshold")
            let oversize = try await client.call(.post, "/v1/match", key: fixture.matcher, contentType: "image/jpeg",
                                                 body: [UInt8](repeating: 0xFF, count: 300_000))
            #expect(oversize.status == 413 && oversize.errorCode == "body_too_large")
            let notImage = try await client.call(.post, "/v1/match", key: fixture.matcher, contentType: "image/png", body: Array("<html>".utf8))
            #expect(notImage.status == 415)
            let noType = try await client.call(.post, "/v1/match", key: fixture.matcher, body: try Images.demo(0))
            #expect(noType.status == 400 && noType.errorCode == "missing_image")
            let text = try await client.call(.post, "/v1/match", key: fixture.matcher, contentType: "text/plain", body: Array("hi".utf8))
            #expect(text.status == 415 && text.errorCode == "unsupported_content_type")
            let truncated = try await client.call(.post, "/v1/match", key: fixture.matcher, contentType: "image/jpeg",
                                                  body: Array(try Images.demo(0).prefix(2000)))
            #expect(truncated.status == 422 && truncated.errorCode == "corrupt_image")

            let noKey = try await client.call(.post, "/v1/match", contentType: "image/jpeg", body: try Images.demo(0))
            #expect(noKey.status == 401 && noKey.errorCode == "unauthorized" && noKey.headers[.wwwAuthenticate] == "Bearer")
            let wrongKey = try await client.call(.post, "/v1/match", key: "vgl_" + String(repeating: "A", count: 43), contentType: "image/jpeg",
                                                 body: try Images.demo(0))
            #expect(wrongKey.status == 401 && wrongKey.errorCode == "invalid_api_key")
            // The scheme in any case and padded, or a bare key: each names the same key.
            for (form, value) in ["bearer \(fixture.matcher)", "BEARER   \(fixture.matcher) ", fixture.matcher].enumerated() {
                let reply = try await client.call(.get, "/m/index/status", key: value, header: "authorization")
                #expect(reply.status == 200, "form \(form)")
            }
            let wrongScheme = try await client.call(.get, "/m/index/status", key: "Basic \(fixture.matcher)", header: "authorization")
            #expect(wrongScheme.status == 401)
            let noRoute = try await client.call(.get, "/v1/nothing-here", key: fixture.matcher)
            #expect(noRoute.status == 404 && noRoute.errorCode == "not_found")
        }
    }

    /// A replica that has just started (behind a load balancer that sends it requests as soon as
    /// it accepts connections) answers a lookup once its index has loaded, not 503.
    @Test func aLookupMadeWhileTheIndexLoadsIsAnsweredOnceItHasLoaded() async throws {
        let fixture = try await ServerFixture(ready: false)
        try await fixture.test { client in
            let image = try Images.demo(0)
            async let waited = client.call(.post, "/v1/match", key: fixture.matcher, contentType: "image/jpeg", body: image)
            // Not a sleep: the request is known to be waiting when the service counts it.
            let deadline = ContinuousClock.now.advanced(by: .seconds(20))
            while fixture.service.readiness.waitingLookups == 0 {
                try #require(ContinuousClock.now < deadline, "the lookup never waited for the index")
                await Task.yield()
            }
            #expect(try await client.call(.get, "/status/ready").status == 503)
            #expect(try await client.call(.get, "/status/live").status == 200)
            #expect(try await client.call(.get, "/status").text == "INDEX-NOT-LOADED")
            await fixture.service.readiness.loadIndex(logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
            let reply = try await waited
            #expect(reply.status == 200)
            #expect(reply.json["is_match"] as? Bool == true, "\(reply.text)")
            #expect(fixture.service.readiness.waitingLookups == 0)
        }
    }

    /// A GET lookup is refused at once while the index loads: nginx re-sends a GET answered 503 to
    /// the other replica (it never re-sends a POST, which waits instead).
    @Test func aGETLookupIsRefusedAtOnceWhileTheIndexLoads() async throws {
        let fixture = try await ServerFixture(ready: false)
        try await fixture.test { client in
            let start = ContinuousClock.now
            let reply = try await client.call(.get, "/m/lookup?signal_type=md5&signal=\(String(repeating: "ab", count: 16))", key: fixture.matcher)
            #expect(reply.status == 503 && reply.errorCode == "index_loading", "\(reply.status) \(reply.text)")
            #expect(reply.headers[.retryAfter] == "5")
            #expect(start.duration(to: .now) < .seconds(20), "the GET waited for the index")
            #expect(fixture.service.readiness.waitingLookups == 0)
        }
    }

    /// Past `index_wait_seconds` a lookup is refused in words, never answered without the index.
    @Test func aLookupIsRefusedWhenTheIndexDoesNotLoadInTime() async throws {
        var settings = ServerSettings()
        settings.indexWaitSeconds = 1
        let fixture = try await ServerFixture(settings: settings, ready: false)
        try await fixture.test { client in
            let start = ContinuousClock.now
            let reply = try await client.call(.post, "/v1/match", key: fixture.matcher, contentType: "image/jpeg", body: try Images.demo(0))
            #expect(reply.status == 503 && reply.errorCode == "index_loading")
            #expect(reply.headers[.retryAfter] == "5")
            #expect(start.duration(to: .now) >= .seconds(1))
            #expect(fixture.service.readiness.waitingLookups == 0)
        }
    }
}
