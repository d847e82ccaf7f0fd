import Foundation
import HummingbirdTesting
import Testing
import VigilServer
import VigilTestSupport

/// What a new user tripped over on the HTTP side, each answered with the right status and words.
@Suite struct HTTPEdgeTests {
    /// A route that exists with another method is 405 with Allow, not 404.
    @Test func aWrongMethodIs405WithAllow() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { client in
            let match = try await client.call(.get, "/v1/match", key: fixture.matcher)
            #expect(match.status == 405 && match.headers[.allow] == "POST" && match.errorCode == "method_not_allowed")
            let bank = try await client.call(.put, "/v1/banks/TEST_BANK", key: fixture.curator)
            #expect(bank.status == 405 && bank.headers[.allow] == "DELETE, GET, HEAD, PATCH")
            #expect(try await client.call(.get, "/v1/no-such-route", key: fixture.matcher).status == 404)
        }
    }

    @Test func jsonErrorsSayWhatIsWrong() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { client in
            let array = try await client.json(.post, "/v1/match", key: fixture.matcher, "[1,2]")
            #expect(array.status == 400 && array.errorMessage?.contains("must be a JSON object") == true, "\(array.text)")
            for huge in ["1e30", "12345678901234567890123", "-1"] {
                let reply = try await client.json(.post, "/v1/match", key: fixture.matcher,
                                                  #"{"pdq": "\#(String(repeating: "a", count: 64))", "threshold": \#(huge)}"#)
                #expect(reply.status == 400 && reply.errorMessage?.contains("out of range") == true, "\(huge): \(reply.text)")
            }
            let half = try await client.json(.post, "/v1/match", key: fixture.matcher,
                                             #"{"pdq": "\#(String(repeating: "a", count: 64))", "threshold": 2.5}"#)
            #expect(half.status == 400 && half.errorMessage?.contains("whole number") == true)
        }
    }

    /// Sizes in words; an image with too many pixels is too large (413), as the README says.
    @Test func limitsAreReportedAsPeopleReadThem() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { client in
            let big = try await client.call(.post, "/v1/hash", key: fixture.matcher, contentType: "image/jpeg",
                                            body: [UInt8](repeating: 0xFF, count: 33 * 1024 * 1024))
            #expect(big.status == 413 && big.errorMessage?.contains("32 MiB + 64 KiB") == true, "\(big.text)")
            let wide = try await client.call(.post, "/v1/hash", key: fixture.matcher, contentType: "image/png",
                                             body: PNGHeader.make(width: 30000, height: 30000))
            #expect(wide.status == 413 && wide.errorCode == "too_many_pixels", "\(wide.text)")
        }
    }

    /// Revoking the last live admin key would lock everyone out of key management.
    @Test func theLastAdminKeyCannotBeRevoked() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { client in
            let keys = try await client.call(.get, "/v1/keys", key: fixture.admin)
            let admins = (keys.json["keys"] as? [[String: Any]] ?? []).filter { $0["role"] as? String == "admin" && ($0["revoked_at"] == nil || $0["revoked_at"] is NSNull) }
            let only = try #require(admins.first?["id"] as? Int)
            #expect(admins.count == 1)
            let refused = try await client.call(.delete, "/v1/keys/\(only)", key: fixture.admin)
            #expect(refused.status == 409 && refused.errorCode == "last_admin_key")
            let second = try await client.json(.post, "/v1/keys", key: fixture.admin, #"{"role": "admin"}"#)
            #expect(second.status == 201)
            #expect(try await client.call(.delete, "/v1/keys/\(only)", key: fixture.admin).status == 200)
        }
    }
}
