import Banks
import ContentHashing
import Foundation
import Hummingbird
import HummingbirdTesting
import Lookup
import Testing
import VigilServer

/// Every API goes through the one lookup path: one image, one verdict, wherever it is asked.
@Suite struct LookupPathTests {
    static let photoDNA = "/photodna/v1.0/Match"

    func photoDNAStatus(_ reply: Reply) -> Int? { (reply.json["Status"] as? [String: Any])?["Code"] as? Int }

    /// An allow-bank entry holding only the image's MD5 suppresses its PDQ match on every API.
    @Test func oneImageGetsOneVerdictOnEveryAPI() async throws {
        let origin = try await OriginServer.start()
        let fixture = try await ServerFixture()
        let image = try Images.demo(0)
        let md5 = try ContentHasher().signals(of: image).md5
        try await fixture.service.banks.addEntries([NewEntry(signals: EntrySignals(md5: md5), addedBy: "test")], to: fixture.allowBank)
        try await fixture.test { client in
            let native = try await client.call(.post, "/v1/match", key: fixture.matcher, contentType: "image/jpeg", body: image)
            #expect(native.json["is_match"] as? Bool == false && (native.json["suppressed"] as? [Any])?.count == 1)
            let photoDNA = try await client.call(.post, Self.photoDNA, key: fixture.matcher, contentType: "image/jpeg", body: image)
            #expect(photoDNAStatus(photoDNA) == 3000 && photoDNA.json["IsMatch"] as? Bool == false)
            let upload = try await client.multipart("/m/lookup", key: fixture.matcher, parts: [("photo", "a.jpg", image)])
            #expect(upload.text == #"{"pdq":{}}"#)
            let byURL = try await client.call(.get, "/m/lookup?url=\(origin.url("/demo-0.jpg"))", key: fixture.matcher)
            #expect(byURL.text == #"{"pdq":{}}"#)
        }
        try await origin.stop()
    }

    /// PhotoDNA reports the entry's own classification (NCMEC lists carry one per hash), then the bank's labels.
    @Test func photoDNAViolationsAreTheEntrysClassification() async throws {
        let fixture = try await ServerFixture()
        let image = try Images.demo(2)
        let signals = try ContentHasher().signals(of: image)
        try await fixture.service.banks.addEntries([NewEntry(
            signals: EntrySignals(pdq: signals.pdq, pdqQuality: signals.quality),
            metadata: EntryMetadata(externalID: "ncmec:1:2", source: "ncmec", extra: ["classification": "B1"]), addedBy: "test")],
            to: fixture.bank)
        try await fixture.test { client in
            let reply = try await client.call(.post, Self.photoDNA, key: fixture.matcher, contentType: "image/jpeg", body: image)
            let flag = ((reply.json["MatchDetails"] as? [String: Any])?["MatchFlags"] as? [[String: Any]])?.first
            #expect(flag?["Violations"] as? [String] == ["B1"])
        }
    }

    /// A URL that answers 404 will never work: PhotoDNA's 3002, not 3004 with a 503 (which clients retry).
    @Test func aPhotoDNAURLThatIsNotThereIsAPermanentError() async throws {
        let origin = try await OriginServer.start()
        let fixture = try await ServerFixture()
        try await fixture.test { client in
            let reply = try await client.json(.post, Self.photoDNA, key: fixture.matcher,
                                              #"{"DataRepresentation": "URL", "Value": "\#(origin.url("/no-such-image.jpg"))"}"#)
            #expect(reply.status == 200 && photoDNAStatus(reply) == 3002)
            #expect(((reply.json["Status"] as? [String: Any])?["Exception"] as? String)?.contains("404") == true)
        }
        try await origin.stop()
    }

    /// With every hashing thread busy and the queue full, an image lookup is turned away at once
    /// with 503 and Retry-After; hash lookups still answer.
    @Test func aFullHashingQueueAnswers503WithRetryAfter() async throws {
        let fixture = try await ServerFixture(settings: ServerSettings(hashingThreads: 1, hashingQueueLimit: 0))
        let started = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let blocker = Task { try await fixture.service.hashingPool.run { _ in started.signal(); release.wait() } }
        await withCheckedContinuation { continuation in DispatchQueue.global().async { started.wait(); continuation.resume() } }
        let pdq = try ContentHasher().signals(of: try Images.demo(0)).pdq
        try await fixture.test { client in
            let native = try await client.call(.post, "/v1/match", key: fixture.matcher, contentType: "image/jpeg", body: try Images.demo(0))
            #expect(native.status == 503 && native.headers[.retryAfter] == "1" && native.errorCode == "busy")
            let photoDNA = try await client.call(.post, Self.photoDNA, key: fixture.matcher, contentType: "image/jpeg", body: try Images.demo(0))
            #expect(photoDNA.status == 503 && photoDNA.headers[.retryAfter] == "1" && photoDNAStatus(photoDNA) == 3004)
            let hash = try await client.call(.get, "/m/lookup?signal_type=pdq&signal=\(pdq.hex)", key: fixture.matcher)
            #expect(hash.status == 200 && hash.text.contains("TEST_BANK"))
        }
        release.signal()
        try await blocker.value
    }

    /// raw_lookup is a lookup like the others: it is counted.
    @Test func everyHMALookupIsCounted() async throws {
        let fixture = try await ServerFixture()
        let pdq = try ContentHasher().signals(of: try Images.demo(0)).pdq
        try await fixture.test { client in
            _ = try await client.call(.get, "/m/raw_lookup?signal_type=pdq&signal=\(pdq.hex)", key: fixture.matcher)
            _ = try await client.call(.get, "/m/lookup?signal_type=pdq&signal=\(pdq.hex)", key: fixture.matcher)
            let metrics = try await client.call(.get, "/metrics", key: fixture.matcher).text
            #expect(metrics.contains(#"vigil_lookups_total{api="hma"} 2"#))
            #expect(metrics.contains(#"vigil_matches_total{api="hma"} 2"#))
        }
    }
}
