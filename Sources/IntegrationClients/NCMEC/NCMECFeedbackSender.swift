import AsyncHTTPClient
import NIOHTTP1
public import Banks
import Foundation
public import Integrations
public import SafeFetch

/// A reviewers' vote sent to NCMEC's hash sharing (ncmec.md §2): `PUT
/// /v2/entries/{member}/{id}/{TYPE}/feedback` with `<affirmative/>` for a confirmed match, or
/// `<negative>` with the list's reason for a false positive — the reason named by the source's
/// `feedback_reason`, or the list's only one; never a guess among several.
public struct NCMECFeedbackSender: ListFeedbackSender {
    let credentials: CredentialService
    let gate: OutboundGate
    let timeout: Duration

    public init(credentials: CredentialService, gate: OutboundGate, timeout: Duration = .seconds(30)) {
        self.credentials = credentials
        self.gate = gate
        self.timeout = timeout
    }

    static let namespace = "https://hashsharing.ncmec.org/hashsharing/v2"

    public func send(_ vote: ListVote, source: BankSource) async throws {
        let parts = vote.externalID.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, parts[0] == "ncmec", !parts[1].isEmpty, !parts[2].isEmpty else {
            throw ListFeedbackRefusal("\"\(vote.externalID.prefix(100))\" is not an NCMEC entry (ncmec:MEMBER:ID)")
        }
        let overriding = source.options["endpoint"].flatMap { $0.isEmpty ? nil : ["endpoint": $0] } ?? [:]
        let credential = try await credentials.open(id: source.credentialID, overriding: overriding)
        guard credential.integration == "ncmec_hash_sharing" else {
            throw ListFeedbackRefusal("the bank's credential is for \(credential.integration), not ncmec_hash_sharing")
        }
        let (base, authorization) = try NCMECService.hashSharing.target(credential)
        var body = #"<?xml version="1.0" encoding="UTF-8"?><feedbackSubmission xmlns="\#(Self.namespace)">"#
        switch vote.direction {
        case .up:
            body += "<affirmative/>"
        case .down:
            let reason = try await reasonID(base: base, authorization: authorization, fingerprint: vote.fingerprint, named: source.options["feedback_reason"])
            body += "<negative><reasonIds><guid>\(Self.escape(reason))</guid></reasonIds></negative>"
        }
        body += "</feedbackSubmission>"
        let url = "\(base)/v2/entries/\(Self.segment(parts[1]))/\(Self.segment(parts[2]))/\(Self.segment(vote.fingerprint))/feedback"
        let answer = try await call(.PUT, url, headers: [("Authorization", authorization), ("Content-Type", "application/xml; charset=utf-8")],
                                    body: Array(body.utf8))
        switch answer.status {
        case 200...299: return
        case 404: throw ListFeedbackRefusal("NCMEC's hash sharing has no \(vote.fingerprint) of entry \(parts[1])/\(parts[2]) (HTTP 404)")
        default: throw Self.failure(answer.status, what: "the vote")
        }
    }

    /// The guid of the reason sent with a down-vote on `fingerprint`.
    func reasonID(base: String, authorization: String, fingerprint: String, named wanted: String?) async throws -> String {
        let answer = try await call(.GET, "\(base)/v2/feedback/\(Self.segment(fingerprint))/reasons",
                                    headers: [("Authorization", authorization), ("Accept", "application/xml")], body: nil)
        guard answer.status == 200 else { throw Self.failure(answer.status, what: "the list of feedback reasons") }
        guard let fields = XMLFields(Data(answer.body.readableBytesView)) else {
            throw Unreadable(what: "the list of feedback reasons")
        }
        let reasons = fields.everyAttributes["reason", default: []].compactMap { attributes -> (guid: String, name: String)? in
            guard let guid = attributes["guid"], !guid.isEmpty else { return nil }
            return (guid, attributes["name"] ?? guid)
        }
        if let wanted {
            guard let reason = reasons.first(where: { $0.name.caseInsensitiveCompare(wanted) == .orderedSame }) else {
                throw ListFeedbackRefusal("the list has no feedback reason named \"\(wanted)\"; its reasons: \(reasons.map(\.name).joined(separator: ", "))")
            }
            return reason.guid
        }
        guard reasons.count == 1, let only = reasons.first else {
            throw ListFeedbackRefusal(reasons.isEmpty ? "the list gave no reason for a down-vote on \(fingerprint)"
                : "set feedback_reason on the bank's source to one of the list's reasons: \(reasons.map(\.name).joined(separator: ", "))")
        }
        return only.guid
    }

    func call(_ method: HTTPMethod, _ url: String, headers: [(String, String)], body: [UInt8]?) async throws -> HTTPCall.Answer {
        do {
            return try await HTTPCall.perform(gate, method, url, headers: headers, body: body, timeout: timeout, limit: 1 << 20, integration: "ncmec_hash_sharing")
        } catch .refused(let refusal) {
            throw ListFeedbackRefusal("not sent: \(refusal.description)")
        } catch {
            throw Unreachable(reason: error.description)
        }
    }

    /// 401/403 and other 4xx answers are final; 408, 429 and 5xx may pass.
    static func failure(_ status: Int, what: String) -> any Error {
        switch status {
        case 401, 403: ListFeedbackRefusal("NCMEC's hash sharing refused the user name or password (HTTP \(status))")
        case 408, 429, 500...599: Unreachable(reason: "NCMEC's hash sharing answered HTTP \(status) for \(what)")
        default: ListFeedbackRefusal("NCMEC's hash sharing refused \(what) (HTTP \(status))")
        }
    }

    struct Unreachable: Error, CustomStringConvertible {
        let reason: String
        var description: String { "NCMEC's hash sharing could not take the vote: \(reason)" }
    }

    struct Unreadable: Error, CustomStringConvertible {
        let what: String
        var description: String { "NCMEC's hash sharing answered \(what) with something that is not XML" }
    }

    /// One path segment: anything but unreserved characters percent-encoded, `/` included.
    static func segment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
