import AsyncHTTPClient
public import SafeFetch
public import Banks
public import Foundation
public import Integrations

/// NCMEC's Hash Sharing API v2 as a feed of `<queryResult>` pages: `GET /v2/entries?from=&to=`
/// with HTTP Basic from an `ncmec_hash_sharing` credential, then each page's relative `next`
/// until there is none. A 429 or 5xx is retried with backoff; a refused password is not.
public struct NCMECHashSharingFeed: HashSharingFeed {
    let credentials: CredentialService
    let transport: FeedTransport
    let pageLimit: Int

    public init(credentials: CredentialService, gate: OutboundGate,
                retry: RetryPolicy = .listFeed, timeout: Duration = .seconds(60),
                pageLimit: Int = PageTrail.defaultLimit) {
        self.pageLimit = pageLimit
        self.credentials = credentials
        transport = FeedTransport(gate: gate, retry: retry, timeout: timeout, integration: "ncmec_hash_sharing")
    }

    public enum Failure: Error, CustomStringConvertible {
        case wrongIntegration(String)
        case refused(Int)
        case status(Int, String)
        case notAQueryResult(String)
        case unreachable(String)
        case paging(PageTrail.Refusal)

        public var description: String {
            switch self {
            case let .wrongIntegration(kind): "the bank's credential is for \(kind), not ncmec_hash_sharing"
            case let .refused(status): "NCMEC's hash sharing refused the user name or password (HTTP \(status))"
            case let .status(status, url): "NCMEC's hash sharing answered HTTP \(status) for \(url)"
            case let .notAQueryResult(url): "NCMEC's hash sharing answered \(url) without a <queryResult>"
            case let .unreachable(reason): "NCMEC's hash sharing could not be reached: \(reason)"
            case let .paging(refusal): "NCMEC's hash sharing \(refusal)"
            }
        }
    }

    /// NCMEC's own advice: stop a few seconds short of now, so entries still being written are
    /// read by the next range, not skipped.
    static let settle: TimeInterval = 5
    /// Where a first sync starts: before any list had entries.
    static let beginning = Date(timeIntervalSince1970: 946_684_800)  // 2000-01-01

    /// The range from the source's checkpoint (a time) to a few seconds ago; the last page
    /// carries the range's end as the next checkpoint.
    public func pages(for source: BankSource, now: Date) -> AsyncThrowingStream<FeedPage, any Error> {
        let format = Date.ISO8601FormatStyle(timeZone: .gmt)
        let from = source.checkpoint.flatMap { try? format.parse($0) } ?? Self.beginning
        let to = now.addingTimeInterval(-Self.settle)
        return FeedTransport.stream { yield in
            try await walk(credentialID: source.credentialID, endpoint: source.options["endpoint"], from: from, to: to, yield: yield)
        }
    }

    /// - Parameter endpoint: the source's own list (one of NCMEC's environments), over the credential's.
    func walk(credentialID: String, endpoint: String?, from: Date, to: Date, yield: (FeedPage) -> Void) async throws {
        // The source's own list goes through the same rules as the credential's endpoint.
        let overriding = endpoint.flatMap { $0.isEmpty ? nil : ["endpoint": $0] } ?? [:]
        let credential = try await credentials.open(id: credentialID, overriding: overriding)
        guard credential.integration == "ncmec_hash_sharing" else { throw Failure.wrongIntegration(credential.integration) }
        let (base, authorization) = try NCMECService.hashSharing.target(credential)
        let format = Date.ISO8601FormatStyle(timeZone: .gmt)
        let end = to.formatted(format)
        var url: String? = base + "/v2/entries?from=\(from.formatted(format))&to=\(end)"
        var trail = PageTrail(limit: pageLimit)
        while let current = url {
            try Task.checkCancellation()
            do { try trail.enter(current) } catch { throw Failure.paging(error) }
            let document = try await fetch(current, authorization: authorization)
            url = try document.fields["next"].map { try FeedTransport.nextPage($0, base: base) }
            yield(FeedPage(document: document.bytes, checkpoint: url == nil ? end : nil))
        }
    }

    /// A page, read once: its bytes for the import, its fields for the paging.
    func fetch(_ url: String, authorization: String) async throws -> (bytes: [UInt8], fields: XMLFields) {
        let answer: HTTPCall.Answer
        do {
            answer = try await transport.get(url, headers: [("Authorization", authorization), ("Accept", "application/xml")])
        } catch let error as HTTPCall.Failure {
            throw Failure.unreachable("\(error)")
        }
        switch answer.status {
        case 200:
            let bytes = Array(answer.body.readableBytesView)
            guard let fields = XMLFields(Data(bytes)), fields.root == "queryResult" else { throw Failure.notAQueryResult(url) }
            return (bytes, fields)
        case 401, 403: throw Failure.refused(answer.status)
        default: throw Failure.status(answer.status, url)
        }
    }
}
