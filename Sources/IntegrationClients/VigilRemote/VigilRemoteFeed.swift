import AsyncHTTPClient
public import SafeFetch
public import Banks
public import Foundation
public import Integrations

/// Another Vigil's bank as a feed: `GET {endpoint}/v1/banks/{bank}/changes?after=CHECKPOINT`
/// with the credential's API key, then each page's `next`; the last page's `checkpoint` (a
/// change-log sequence of the other Vigil) is where the next sync starts.
public struct VigilRemoteFeed: HashSharingFeed {
    let credentials: CredentialService
    let transport: FeedTransport
    let pageLimit: Int

    public init(credentials: CredentialService, gate: OutboundGate,
                retry: RetryPolicy = .listFeed, timeout: Duration = .seconds(60),
                pageLimit: Int = PageTrail.defaultLimit) {
        self.pageLimit = pageLimit
        self.credentials = credentials
        transport = FeedTransport(gate: gate, retry: retry, timeout: timeout, integration: "vigil_remote")
    }

    public enum Failure: Error, CustomStringConvertible {
        case wrongIntegration(String)
        case noRemoteBank
        case refused(Int)
        case status(Int, String)
        case notAnExport(String)
        case unreachable(String)
        case paging(PageTrail.Refusal)
        /// The other Vigil has no bank of that name (HTTP 404): deleted, or renamed.
        case noSuchBank(String)
        /// The other Vigil is deleting the bank (HTTP 409 `bank_being_deleted`).
        case bankBeingDeleted(String)

        public var description: String {
            switch self {
            case let .wrongIntegration(kind): "the bank's credential is for \(kind), not vigil_remote"
            case .noRemoteBank: "the source names no remote bank"
            case let .refused(status): "the other Vigil refused the API key (HTTP \(status))"
            case let .status(status, url): "the other Vigil answered HTTP \(status) for \(url)"
            case let .notAnExport(url): "the other Vigil's answer to \(url) is not a change export"
            case let .unreachable(reason): "the other Vigil could not be reached: \(reason)"
            case let .paging(refusal): "the other Vigil \(refusal)"
            case let .noSuchBank(bank):
                "the other Vigil has no bank \(bank) (HTTP 404: deleted or renamed there?): the entries synced from it are kept here"
                    + " until this bank is deleted or its source pointed at another bank"
            case let .bankBeingDeleted(bank):
                "the other Vigil is deleting bank \(bank): the entries synced from it are kept here"
                    + " until this bank is deleted or its source pointed at another bank"
            }
        }
    }

    public func pages(for source: BankSource, now: Date) -> AsyncThrowingStream<FeedPage, any Error> {
        FeedTransport.stream { yield in try await walk(source, yield: yield) }
    }

    struct PageHead: Decodable {
        var next: String?
        var checkpoint: String
    }

    func walk(_ source: BankSource, yield: (FeedPage) -> Void) async throws {
        let credential = try await credentials.open(id: source.credentialID)
        guard credential.integration == "vigil_remote" else { throw Failure.wrongIntegration(credential.integration) }
        guard let remote = source.options["bank"], !remote.isEmpty,
              let escaped = remote.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) else { throw Failure.noRemoteBank }
        var base = credential.values["endpoint"] ?? ""
        while base.hasSuffix("/") { base.removeLast() }
        let key = try credential.secret("api_key")
        var url: String? = base + "/v1/banks/\(escaped)/changes?after=\(Int64(source.checkpoint ?? "0") ?? 0)"
        var trail = PageTrail(limit: pageLimit)
        while let current = url {
            try Task.checkCancellation()
            do { try trail.enter(current) } catch { throw Failure.paging(error) }
            let bytes = try await fetch(current, key: key, bank: remote)
            guard let head = try? JSONDecoder().decode(PageHead.self, from: Data(bytes)) else { throw Failure.notAnExport(current) }
            url = try head.next.map { try FeedTransport.nextPage($0, base: base) }
            yield(FeedPage(document: bytes, checkpoint: head.next == nil ? head.checkpoint : nil))
        }
    }

    func fetch(_ url: String, key: String, bank: String) async throws -> [UInt8] {
        let answer: HTTPCall.Answer
        do {
            answer = try await transport.get(url, headers: [("Authorization", "Bearer \(key)"), ("Accept", "application/json")])
        } catch let error as HTTPCall.Failure {
            throw Failure.unreachable("\(error)")
        }
        switch answer.status {
        case 200: return Array(answer.body.readableBytesView)
        case 401, 403: throw Failure.refused(answer.status)
        // Vigil's own answer for a bank it does not have (not a proxy's or another server's 404).
        case 404 where Self.errorCode(answer.body.readableBytesView) == "not_found": throw Failure.noSuchBank(bank)
        case 409 where Self.errorCode(answer.body.readableBytesView) == "bank_being_deleted": throw Failure.bankBeingDeleted(bank)
        default: throw Failure.status(answer.status, url)
        }
    }
}

extension VigilRemoteFeed {
    struct ErrorBody: Decodable {
        struct Detail: Decodable { var code: String }
        var error: Detail
    }

    /// The code of a Vigil error answer (`{"error": {"code", "message"}}`), or nil for any other body.
    static func errorCode(_ body: some Collection<UInt8>) -> String? {
        do { return try JSONDecoder().decode(ErrorBody.self, from: Data(body)).error.code } catch { return nil }
    }
}

/// Every kind of list a bank can follow, each read by its own feed.
public struct HashSharingFeeds: HashSharingFeed {
    let ncmec: NCMECHashSharingFeed
    let vigilRemote: VigilRemoteFeed

    public init(credentials: CredentialService, gate: OutboundGate, retry: RetryPolicy = .listFeed, pageLimit: Int = PageTrail.defaultLimit) {
        ncmec = NCMECHashSharingFeed(credentials: credentials, gate: gate, retry: retry, pageLimit: pageLimit)
        vigilRemote = VigilRemoteFeed(credentials: credentials, gate: gate, retry: retry, pageLimit: pageLimit)
    }

    public func pages(for source: BankSource, now: Date) -> AsyncThrowingStream<FeedPage, any Error> {
        switch source.kind {
        case .ncmec: ncmec.pages(for: source, now: now)
        case .vigilRemote: vigilRemote.pages(for: source, now: now)
        }
    }
}
