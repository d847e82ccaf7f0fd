import Basics
import AsyncHTTPClient
public import SafeFetch
import Foundation
public import Integrations

/// Tests an NCMEC credential with one real call: the CyberTipline's `GET /status` (code 0 names
/// the user NCMEC sees), or a hash-sharing query over a one-second window (`GET /v2/entries`),
/// which proves the account may read the list without downloading it.
public struct NCMECProbe: CredentialProbe {
    public let integration: String
    let service: NCMECService
    let gate: OutboundGate
    let timeout: Duration

    public init(_ service: NCMECService, gate: OutboundGate, timeout: Duration = .seconds(20)) {
        self.service = service
        integration = switch service {
        case .cyberTipline: "ncmec_cybertipline"
        case .hashSharing: "ncmec_hash_sharing"
        }
        self.gate = gate
        self.timeout = timeout
    }

    var serviceName: String {
        switch service {
        case .cyberTipline: "The CyberTipline"
        case .hashSharing: "NCMEC's hash sharing"
        }
    }

    public func probe(_ credential: OpenedCredential) async -> CredentialTestResult {
        let start = ContinuousClock.now
        let (base, authorization): (String, String)
        do { (base, authorization) = try service.target(credential) } catch {
            return CredentialTestResult(ok: false, summary: "The credential cannot be used: \(error).")
        }
        let url = switch service {
        case .cyberTipline: base + "/status"
        case .hashSharing: base + "/v2/entries?" + Self.window(endingAt: Date().addingTimeInterval(-5))
        }
        let answer: HTTPCall.Answer
        do {
            answer = try await HTTPCall.perform(gate, .GET, url, headers: [("Authorization", authorization), ("Accept", "application/xml")],
                                                timeout: timeout, integration: service == .cyberTipline ? "ncmec_cybertipline" : "ncmec_hash_sharing")
        } catch {
            let reason = switch error {
            case .timedOut: "it did not answer within \(Int(timeout.seconds)) s"
            case .tooLarge: "its answer is over 1 MiB"
            case let .connection(reason): "it could not be reached (\(reason))"
            case let .refused(refusal): "nothing was sent (\(refusal.description))"
            }
            return CredentialTestResult(ok: false, summary: "\(serviceName) at \(base) was not tested: \(reason).", elapsed: start.duration(to: .now))
        }
        let elapsed = start.duration(to: .now)
        var details = ["http_status": String(answer.status)]
        if let requestID = answer.headers.first(name: "Request-ID") { details["request_id"] = requestID }
        if answer.status == 401 || answer.status == 403 {
            return CredentialTestResult(ok: false, summary: "\(serviceName) refused the user name or password (HTTP \(answer.status)).",
                                        details: details, elapsed: elapsed)
        }
        let fields = XMLFields(Data(answer.body.readableBytesView))
        switch service {
        case .cyberTipline:
            // The answer's code decides, whatever the HTTP status (ncmec.md §1.3).
            guard let fields, let code = fields["responseCode"].flatMap(Int.init) else {
                return CredentialTestResult(ok: false, summary: "\(serviceName) answered HTTP \(answer.status) without a <reportResponse>.",
                                            details: details, elapsed: elapsed)
            }
            details["response_code"] = String(code)
            let description = fields["responseDescription"] ?? ""
            guard code == 0 else {
                return CredentialTestResult(ok: false, summary: "\(serviceName) answered code \(code)\(description.isEmpty ? "" : ": \(description)").",
                                            details: details, elapsed: elapsed)
            }
            return CredentialTestResult(ok: true, summary: "\(serviceName) answered in \(elapsed.wholeMilliseconds) ms: the credential works (\(description)).",
                                        details: details, elapsed: elapsed)
        case .hashSharing:
            guard answer.status == 200, let fields, fields.root == "queryResult" else {
                return CredentialTestResult(ok: false, summary: "\(serviceName) answered HTTP \(answer.status) without a <queryResult>.",
                                            details: details, elapsed: elapsed)
            }
            let entries = ["image", "deletedImage", "video", "deletedVideo"].reduce(0) { $0 + fields.counts[$1, default: 0] }
            details["entries"] = String(entries)
            return CredentialTestResult(ok: true, summary: "\(serviceName) answered in \(elapsed.wholeMilliseconds) ms: the credential may read the list (\(entries) entries in a one-second window).",
                                        details: details, elapsed: elapsed)
        }
    }

    /// `from=…&to=…` for the second before `end`, in UTC with `Z` (ncmec.md §2).
    static func window(endingAt end: Date) -> String {
        let format = Date.ISO8601FormatStyle(timeZone: .gmt)
        let from = end.addingTimeInterval(-1).formatted(format), to = end.formatted(format)
        return "from=\(from)&to=\(to)"
    }
}
