import AsyncHTTPClient
public import Banks
import Foundation
public import Integrations
import NIOHTTP1
public import SafeFetch

/// A reviewers' vote sent to the Vigil a bank follows: `POST {endpoint}/v1/banks/{bank}/entries/{id}/votes`
/// with `{"vote": "up" | "down"}` and the credential's API key. The other Vigil keeps one vote per
/// key and entry, the later replacing the earlier, so a vote sent again changes nothing.
public struct VigilRemoteFeedbackSender: ListFeedbackSender {
    let credentials: CredentialService
    let gate: OutboundGate
    let timeout: Duration

    public init(credentials: CredentialService, gate: OutboundGate, timeout: Duration = .seconds(30)) {
        self.credentials = credentials
        self.gate = gate
        self.timeout = timeout
    }

    public func send(_ vote: ListVote, source: BankSource) async throws {
        // `vigil:BANK:ID`: bank names hold no colon, ids are numbers.
        let parts = vote.externalID.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, parts[0] == "vigil", !parts[1].isEmpty, let entryID = Int64(parts[2]), entryID > 0 else {
            throw ListFeedbackRefusal("\"\(vote.externalID.prefix(100))\" is not another Vigil's entry (vigil:BANK:ID)")
        }
        let credential = try await credentials.open(id: source.credentialID)
        guard credential.integration == "vigil_remote" else {
            throw ListFeedbackRefusal("the bank's credential is for \(credential.integration), not vigil_remote")
        }
        var base = credential.values["endpoint"] ?? ""
        while base.hasSuffix("/") { base.removeLast() }
        let key = try credential.secret("api_key")
        let bank = NCMECFeedbackSender.segment(parts[1])
        let answer: HTTPCall.Answer
        do {
            answer = try await HTTPCall.perform(gate, .POST, "\(base)/v1/banks/\(bank)/entries/\(entryID)/votes",
                                                headers: [("Authorization", "Bearer \(key)"), ("Content-Type", "application/json")],
                                                body: Array(#"{"vote":"\#(vote.direction.rawValue)"}"#.utf8), timeout: timeout, limit: 1 << 16, integration: "vigil_remote")
        } catch .refused(let refusal) {
            throw ListFeedbackRefusal("not sent: \(refusal.description)")
        } catch {
            throw NCMECFeedbackSender.Unreachable(reason: "the other Vigil: \(error.description)")
        }
        switch answer.status {
        case 200...299: return
        case 401, 403: throw ListFeedbackRefusal("the other Vigil refused the API key (HTTP \(answer.status))")
        case 404: throw ListFeedbackRefusal("the other Vigil has no entry \(entryID) in bank \(parts[1]) (HTTP 404)")
        case 408, 429, 500...599: throw NCMECFeedbackSender.Unreachable(reason: "the other Vigil answered HTTP \(answer.status)")
        default: throw ListFeedbackRefusal("the other Vigil refused the vote (HTTP \(answer.status))")
        }
    }
}

/// Votes go to the list each source follows.
public struct ListFeedbackSenders: ListFeedbackSender {
    let ncmec: NCMECFeedbackSender
    let vigilRemote: VigilRemoteFeedbackSender

    public init(credentials: CredentialService, gate: OutboundGate) {
        ncmec = NCMECFeedbackSender(credentials: credentials, gate: gate)
        vigilRemote = VigilRemoteFeedbackSender(credentials: credentials, gate: gate)
    }

    public func send(_ vote: ListVote, source: BankSource) async throws {
        switch source.kind {
        case .ncmec: try await ncmec.send(vote, source: source)
        case .vigilRemote: try await vigilRemote.send(vote, source: source)
        }
    }
}
