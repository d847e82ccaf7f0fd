import Foundation
import HTTPTypes
import Synchronization
import Testing
@testable import VigilServer
import VigilTestSupport

/// Issue 32: every route that takes a JSON body (read from the OpenAPI document, so a new route
/// is fuzzed from the day it is documented) and every route that takes a multipart body, on
/// mutated bodies (Fuzzing says how), as an admin. Whatever the body, the answer is a refusal
/// in words or a success: never a 500, never a crash.
@Suite struct BodyFuzzTests {
    /// (method, path) of each documented route whose body may be `contentType`, its parameters
    /// filled with names that exist in the fixture.
    static func routes(taking contentType: String) throws -> [(HTTPRequest.Method, String)] {
        let document = Fuzzing.repository.appendingPathComponent("Sources/VigilServer/Resources/openapi.json")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: document)) as? [String: Any])
        let paths = try #require(json["paths"] as? [String: [String: Any]])
        let filled = ["{name}": "TEST_BANK", "{id}": "1", "{sha256}": String(repeating: "0", count: 64), "{api}": "fb_threat_exchange",
                      "{scope}": "role", "{run}": "1"]
        var found: [(HTTPRequest.Method, String)] = []
        for (path, operations) in paths.sorted(by: { $0.key < $1.key }) {
            for (method, operation) in operations.sorted(by: { $0.key < $1.key }) {
                let content = ((operation as? [String: Any])?["requestBody"] as? [String: Any])?["content"] as? [String: Any] ?? [:]
                guard content.keys.contains(contentType), let verb = HTTPRequest.Method(method.uppercased()) else { continue }
                found.append((verb, filled.reduce(path) { $0.replacingOccurrences(of: $1.key, with: $1.value) }))
            }
        }
        return found
    }

    struct ServerError: Error, CustomStringConvertible {
        let description: String
    }

    static func fuzz(_ target: String, contentType: String, header: String, mutations: Int) async throws {
        let routes = try Self.routes(taking: contentType)
        #expect(routes.count >= (contentType == "application/json" ? 40 : 5), "\(routes.map(\.1))")
        let fixture = try await ServerFixture()
        let failures = Mutex<[String]>([])
        try await fixture.test { http in
            var next = 0
            let summary = try await Fuzzing.run(target, mutations: mutations, maxLength: 1 << 14) { bytes in
                let (method, path) = routes[next % routes.count]
                next += 1
                let reply = try await http.call(method, path, key: fixture.admin, contentType: header, body: bytes)
                if reply.status == 500 || reply.status >= 600 {
                    failures.withLock { $0.append("\(method) \(path) answered \(reply.status) to \(String(decoding: bytes.prefix(300), as: UTF8.self)): \(reply.text.prefix(300))") }
                }
            }
            #expect(summary.complete, "\(summary)")
        }
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0.prefix(5) })")
    }

    /// The crash the fuzzer found: a header name with a byte of 128 or more stopped the process
    /// inside multipart-kit. It is refused in words now, whole or split across chunks; a file
    /// name in UTF-8 (a header value, as browsers send it) is still taken.
    @Test func aNonASCIIHeaderNameIsRefusedAndAUTF8FileNameTaken() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            let image = try Images.demo(0)
            func form(_ disposition: String) -> [UInt8] {
                Array("--B\r\n\(disposition)\r\nContent-Type: image/jpeg\r\n\r\n".utf8) + image + Array("\r\n--B--\r\n".utf8)
            }
            let bad = try await http.call(.post, "/h/hash", key: fixture.matcher, contentType: "multipart/form-data; boundary=B",
                                          body: form("Content-Dispositi\u{00F6}n: form-data; name=\"photo\"; filename=\"a.jpg\""))
            #expect(bad.status == 400 && bad.text.contains("malformed"), "\(bad.status) \(bad.text)")
            let good = try await http.call(.post, "/h/hash", key: fixture.matcher, contentType: "multipart/form-data; boundary=B",
                                           body: form("Content-Disposition: form-data; name=\"photo\"; filename=\"\u{00E9}t\u{00E9}.jpg\""))
            #expect(good.status == 200, "\(good.status) \(good.text)")
        }
        // The guard alone, fed one byte at a time (a chunk boundary anywhere).
        var guardian = HeaderNameGuard(boundary: "B")
        let bytes = Array("preamble\r\n--B\r\nName: v\r\nN\u{00E9}: v\r\n".utf8)
        var refusedAt: Int?
        for (index, byte) in bytes.enumerated() where refusedAt == nil {
            do { try guardian.check([byte]) } catch { refusedAt = index }
        }
        #expect(refusedAt == bytes.firstIndex(of: 0xC3))
    }

    /// The guard skips a part's body to its next CR: fed whole, in random chunks or a byte at a
    /// time, it refuses what a reference stepping every byte through the parser's states refuses,
    /// at the same byte (where the chunks allow saying), and lets the others through — bodies full
    /// of CRs, boundaries split anywhere, non-ASCII bytes in bodies and in header names.
    @Test func theGuardAgreesHoweverABodyIsSplit() throws {
        var generator = SystemRandomNumberGenerator()
        let pieces: [[UInt8]] = [
            Array("\r\n--B\r\n".utf8), Array("\r\n--B".utf8), Array("\r\n--".utf8), Array("\r\n".utf8), [13], [13, 13, 10], [10],
            Array("Content-Disposition: form-data; name=\"photo\"\r\n".utf8), Array("X-N\u{00E9}: v\r\n".utf8), Array("\r\n\r\n".utf8),
            [0xFF, 0xD8, 0x00, 0x80, 0xC3, 0xA9], Array("--B--".utf8), Array(repeating: 0x41, count: 300), Array("--B".utf8),
        ]
        // A second part's non-ASCII header name, after a first part's body full of CRs and near-boundaries.
        let twoParts = Array("--B\r\nA: v\r\n\r\n\r\r\n\r\n-\r\n--\r\n--C\r\n--B\r\nX-N\u{00E9}: v\r\n\r\nz\r\n--B--\r\n".utf8)
        let accent = try #require(twoParts.firstIndex(of: 0xC3))
        var whole = HeaderNameGuard(boundary: "B")
        #expect(throws: GuardedMultipartParser.NonASCIIHeaderName.self) { try whole.check(twoParts) }
        var split = HeaderNameGuard(boundary: "B")
        try split.check(twoParts[..<accent])
        #expect(throws: GuardedMultipartParser.NonASCIIHeaderName.self) { try split.check(twoParts[accent...]) }
        var fine = HeaderNameGuard(boundary: "B")
        try fine.check(twoParts.map { $0 == 0xC3 || $0 == 0xA9 ? 0x65 : $0 })

        for _ in 0..<400 {
            var body: [UInt8] = []
            for _ in 0..<Int.random(in: 1...30, using: &generator) { body += pieces.randomElement(using: &generator) ?? [] }
            func refusal(_ chunks: [ArraySlice<UInt8>]) -> Int? {
                var guardian = HeaderNameGuard(boundary: "B")
                var fed = 0
                for chunk in chunks {
                    do { try guardian.check(chunk) } catch { return fed + chunk.count }
                    fed += chunk.count
                }
                return nil
            }
            // The reference: every byte through the parser's states, the body's included (`step`).
            let byByte = { () -> Int? in
                var guardian = HeaderNameGuard(boundary: "B")
                for (index, byte) in body.enumerated() {
                    do { try guardian.step(byte) } catch { return index }
                }
                return nil
            }()
            var chunks: [ArraySlice<UInt8>] = []
            var start = 0
            while start < body.count {
                let end = min(body.count, start + Int.random(in: 1...64, using: &generator))
                chunks.append(body[start..<end])
                start = end
            }
            let whole = refusal([body[...]])
            let inChunks = refusal(chunks)
            let oneByteChunks = refusal(body.indices.map { body[$0...$0] })
            #expect((whole == nil) == (byByte == nil), "\(body)")
            #expect(oneByteChunks == byByte.map { $0 + 1 }, "refused after byte \(String(describing: oneByteChunks)), the reference at \(String(describing: byByte)): \(body)")
            // A chunk that is refused was refused at or before its last byte.
            if let byte = byByte {
                #expect(inChunks.map { byte < $0 } == true, "refused at \(byte) byte by byte, in chunks \(String(describing: inChunks)): \(body)")
            } else {
                #expect(inChunks == nil, "\(body)")
            }
        }
    }

    @Test func jsonBodies() async throws {
        try await Self.fuzz("json_bodies", contentType: "application/json", header: "application/json", mutations: 1500)
    }

    @Test func multipartBodies() async throws {
        try await Self.fuzz("multipart", contentType: "multipart/form-data", header: "multipart/form-data; boundary=BOUNDARY", mutations: 600)
    }
}
