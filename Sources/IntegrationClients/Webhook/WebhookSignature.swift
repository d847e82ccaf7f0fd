import Basics
import AsyncHTTPClient
import SafeFetch
import Crypto
public import Foundation

/// The `Vigil-Signature` header of a webhook delivery: `t=<unix seconds>,v1=<hex HMAC-SHA256 of
/// "<t>.<body>" under the signing secret>`. The timestamp inside the signed text lets a receiver
/// refuse replays of an old delivery.
public enum WebhookSignature {
    public static let header = "Vigil-Signature"

    public static func sign(_ body: [UInt8], secret: String, at time: Date) -> String {
        let timestamp = Int64(time.timeIntervalSince1970)
        return "t=\(timestamp),v1=\(mac(body, secret: secret, timestamp: timestamp))"
    }

    /// Whether `signature` is a valid header for `body` (what a receiver checks).
    public static func verify(_ signature: String, body: [UInt8], secret: String) -> Bool {
        var timestamp: Int64?, given: String?
        for part in signature.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { continue }
            if pair[0] == "t" { timestamp = Int64(pair[1]) }
            if pair[0] == "v1" { given = pair[1] }
        }
        guard let timestamp, let given else { return false }
        let expected = mac(body, secret: secret, timestamp: timestamp)
        // Compared in constant time: the position of a first wrong digit must not leak.
        return given.utf8.count == expected.utf8.count && zip(given.utf8, expected.utf8).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// Posts a signed JSON body (an answer of at most 64 KiB is read): the one delivery that
    /// credential tests and workflow steps both make.
    static func post(_ body: [UInt8], to url: String, secret: String, gate: OutboundGate, timeout: Duration,
                     headers: [(String, String)] = [], at time: Date = Date()) async throws(HTTPCall.Failure) -> HTTPCall.Answer {
        try await HTTPCall.perform(gate, .POST, url, headers: [("Content-Type", "application/json"), (header, sign(body, secret: secret, at: time))] + headers,
                                   body: body, timeout: timeout, limit: 64 * 1024, integration: "webhook")
    }

    static func mac(_ body: [UInt8], secret: String, timestamp: Int64) -> String {
        var signed = Array("\(timestamp).".utf8)
        signed += body
        let code = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: Data(secret.utf8)))
        return Hex.encode(Array(code))
    }
}
