import Foundation
import Testing
import VigilServer

/// `POST /photodna/v1.0/Match` as PhotoDNA clients call it.
@Suite struct PhotoDNAAPITests {
    static let path = "/photodna/v1.0/Match"

    func status(_ reply: Reply) -> Int? { (reply.json["Status"] as? [String: Any])?["Code"] as? Int }

    @Test func aMatchHasPhotoDNAsExactShape() async throws {
        let fixture = try await ServerFixture()
        let image = try Images.demo(0)
        try await fixture.test { client in
            let reply = try await client.call(.post, Self.path, key: fixture.matcher, header: "Ocp-Apim-Subscription-Key",
                                              contentType: "image/jpeg", body: image)
            #expect(reply.status == 200)
            let json = reply.json
            #expect(Set(json.keys) == ["Status", "ContentId", "IsMatch", "MatchDetails", "XPartnerCustomerId", "TrackingId", "EvaluateResponse"])
            #expect(json["Status"] as? [String: Any] as NSDictionary? == ["Code": 3000, "Description": "OK", "Exception": NSNull()])
            #expect(json["ContentId"] is NSNull && json["XPartnerCustomerId"] is NSNull && json["EvaluateResponse"] is NSNull)
            #expect(json["IsMatch"] as? Bool == true)
            #expect((json["TrackingId"] as? String)?.hasPrefix("VGL_") == true)
            let details = json["MatchDetails"] as? [String: Any]
            #expect((details?["AdvancedInfo"] as? [Any])?.isEmpty == true)
            let flag = (details?["MatchFlags"] as? [[String: Any]])?.first
            #expect(flag?["Source"] as? String == "TEST_BANK")
            #expect(flag?["Violations"] as? [String] == ["A1"])
            #expect(flag?["MatchDistance"] as? Int == 0)
            #expect(flag?["AdvancedInfo"] as? [[String: String]] == [["Key": "MatchId", "Value": String(fixture.entryIDs[0])]])

            let miss = try await client.call(.post, Self.path + "?enhance=false", key: fixture.matcher, header: "Ocp-Apim-Subscription-Key",
                                             contentType: "image/png", body: try Images.demo(3))
            // A JPEG sent as image/png is still an image: PhotoDNA checks content, not the label.
            #expect(status(miss) == 3000 && miss.json["IsMatch"] as? Bool == false)
            #expect(((miss.json["MatchDetails"] as? [String: Any])?["MatchFlags"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func jsonBodiesAreReadCaseInsensitively() async throws {
        let origin = try await OriginServer.start()
        let fixture = try await ServerFixture()
        let inline = Data(try Images.demo(1)).base64EncodedString()
        try await fixture.test { client in
            let documented = try await client.json(.post, Self.path, key: fixture.matcher, #"{"DataRepresentation": "Inline", "Value": "\#(inline)"}"#)
            #expect(status(documented) == 3000 && documented.json["IsMatch"] as? Bool == true)
            let lower = try await client.json(.post, Self.path + "?enhance", key: fixture.matcher, #"{"datarepresentation": "inline", "value": "\#(inline)"}"#)
            #expect(status(lower) == 3000 && lower.json["IsMatch"] as? Bool == true)
            let url = try await client.json(.post, Self.path, key: fixture.matcher, #"{"DataRepresentation": "URL", "Value": "\#(origin.url("/demo-0.jpg"))"}"#)
            #expect(status(url) == 3000 && url.json["IsMatch"] as? Bool == true)
        }
        try await origin.stop()
    }

    @Test func statusCodesForBadRequests() async throws {
        var settings = ServerSettings()
        settings.photoDNAMaximumBytes = 60_000
        settings.maxJSONBytes = 16_384
        let fixture = try await ServerFixture(settings: settings)
        try await fixture.test { client in
            for body in [#"{"DataRepresentation": "URL""#, #"{"Value": "abc"}"#, #"{"DataRepresentation": "Hash", "Value": "abc"}"#,
                         #"{"DataRepresentation": "Carrier pigeon", "Value": "abc"}"#, #"{"DataRepresentation": "URL", "Value": "gopher://x"}"#,
                         #"{"DataRepresentation": "Inline", "Value": "%%%"}"#, "[1, 2]"] {
                let reply = try await client.json(.post, Self.path, key: fixture.matcher, body)
                #expect(reply.status == 200 && status(reply) == 3002, "\(body)")
                #expect(((reply.json["Status"] as? [String: Any])?["Exception"] as? String)?.isEmpty == false)
                #expect(reply.json["IsMatch"] as? Bool == false)
            }
            let badFlag = try await client.call(.post, Self.path + "?enhance=maybe", key: fixture.matcher, contentType: "image/jpeg", body: try Images.demo(0))
            #expect(status(badFlag) == 3002)
            let noType = try await client.call(.post, Self.path, key: fixture.matcher, body: try Images.demo(0))
            #expect(status(noType) == 3002)

            let notImage = try await client.call(.post, Self.path, key: fixture.matcher, contentType: "image/jpeg", body: Array("not an image".utf8))
            #expect(status(notImage) == 3206)
            let webpType = try await client.call(.post, Self.path, key: fixture.matcher, contentType: "image/webp", body: try Images.demo(0))
            #expect(status(webpType) == 3206)

            let small = try await client.call(.post, Self.path, key: fixture.matcher, contentType: "image/jpeg",
                                              body: try Images.textured(width: 100, height: 300))
            #expect(status(small) == 3208)
            let large = try await client.call(.post, Self.path, key: fixture.matcher, contentType: "image/jpeg",
                                              body: try Images.textured(width: 900, height: 900))
            #expect(large.status == 200 && status(large) == 3208)

            // The review of issue 28: a body near PhotoDNA's size limit may be large only in its
            // Value; 8 MB of structure took seconds and hundreds of megabytes to decode.
            let junk = #"{"DataRepresentation": "Inline", "Value": "x", "junk": ["# + Array(repeating: "0", count: 40_000).joined(separator: ",") + "]}"
            let structured = try await client.json(.post, Self.path, key: fixture.matcher, junk)
            #expect(status(structured) == 3002 && structured.text.contains("outside its Value"), "\(structured.text.prefix(300))")

            let noKey = try await client.call(.post, Self.path, contentType: "image/jpeg", body: try Images.demo(0))
            #expect(noKey.status == 401)
            let wrongKey = try await client.call(.post, Self.path, key: "wrong", header: "Ocp-Apim-Subscription-Key", contentType: "image/jpeg",
                                                 body: try Images.demo(0))
            #expect(wrongKey.status == 401)
        }
    }

    @Test func notReadyIsAnUnknownError() async throws {
        var settings = ServerSettings()
        settings.indexWaitSeconds = 0
        let fixture = try await ServerFixture(settings: settings, ready: false)
        try await fixture.test { client in
            let reply = try await client.call(.post, Self.path, key: fixture.matcher, contentType: "image/jpeg", body: try Images.demo(0))
            #expect(reply.status == 503 && status(reply) == 3004)
        }
    }
}
