import Basics
import AsyncHTTPClient
public import SafeFetch
import Foundation
import JSONValues
public import Integrations

/// Tests a `vigil_remote` credential: `GET {endpoint}/v1/banks` with its key. A 200 means the
/// other Vigil accepts the key and shows which banks it may follow.
public struct VigilRemoteProbe: CredentialProbe {
    public let integration = "vigil_remote"
    let gate: OutboundGate
    let timeout: Duration

    public init(gate: OutboundGate, timeout: Duration = .seconds(10)) {
        self.gate = gate
        self.timeout = timeout
    }

    public func probe(_ credential: OpenedCredential) async -> CredentialTestResult {
        let start = ContinuousClock.now
        var base = credential.values["endpoint"] ?? ""
        while base.hasSuffix("/") { base.removeLast() }
        guard let key = try? credential.secret("api_key") else { return CredentialTestResult(ok: false, summary: "The credential has no API key.") }
        let answer: HTTPCall.Answer
        do {
            answer = try await HTTPCall.perform(gate, .GET, base + "/v1/banks", headers: [("Authorization", "Bearer \(key)"), ("Accept", "application/json")],
                                                timeout: timeout, integration: "vigil_remote")
        } catch {
            return CredentialTestResult(ok: false, summary: "The other Vigil at \(base) could not be reached: \(error).", elapsed: start.duration(to: .now))
        }
        let elapsed = start.duration(to: .now)
        let details = ["http_status": String(answer.status)]
        guard answer.status == 200 else {
            let reason = answer.status == 401 || answer.status == 403 ? "refused the API key" : "answered HTTP \(answer.status)"
            return CredentialTestResult(ok: false, summary: "The other Vigil at \(base) \(reason).", details: details, elapsed: elapsed)
        }
        // The names are for the sentence only: an answer without them still says the key works.
        let banks = (try? JSONDecoder().decode(JSONValue.self, from: Data(answer.body.readableBytesView)))?.object?["banks"]?.array
        let names = banks?.compactMap { $0.object?["name"]?.string } ?? []
        return CredentialTestResult(ok: true, summary: "The other Vigil accepted the key in \(elapsed.wholeMilliseconds) ms; its banks: \(names.isEmpty ? "none" : names.joined(separator: ", ")).",
                                    details: details, elapsed: elapsed)
    }
}
