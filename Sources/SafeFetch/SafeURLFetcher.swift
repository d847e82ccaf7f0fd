public import ImageSignals
import Basics
import AsyncHTTPClient
public import Foundation
import ImageCodecs
import NIOCore
import NIOPosix

/// What the fetcher may do. One value for every path that takes a URL.
public struct FetchPolicy: Sendable {
    /// Ranges the operator lets the fetcher reach although they are not global (`--fetch-allow`).
    public var allow: [IPRange]
    public var maxBytes: Int
    public var maxRedirects: Int
    public var connectTimeout: Duration
    public var totalTimeout: Duration
    public var userAgent: String

    public init(allow: [IPRange] = [], maxBytes: Int = 32 * 1024 * 1024, maxRedirects: Int = 3,
                connectTimeout: Duration = .seconds(5), totalTimeout: Duration = .seconds(30),
                userAgent: String = "Vigil (+https://github.com/vigil-safety/vigil)") {
        self.allow = allow
        self.maxBytes = maxBytes
        self.maxRedirects = maxRedirects
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.userAgent = userAgent
    }

    /// A `--fetch-allow` (or trusted-proxy) entry that is not an address or range.
    public struct InvalidRange: Error, CustomStringConvertible {
        public let text: String
        public var description: String { "\"\(text)\" is not an IP address or CIDR range (such as 10.2.0.0/16 or fd00::/8)" }
    }

    /// Parses CIDR lists; each item may itself be comma-separated (`VIGIL_FETCH_ALLOW`).
    public static func parseRanges(_ items: [String]) throws(InvalidRange) -> [IPRange] {
        var ranges: [IPRange] = []
        for text in items.flatMap({ $0.split(separator: ",") }).map({ $0.trimmingCharacters(in: .whitespaces) }) where !text.isEmpty {
            guard let range = IPRange(text) else { throw InvalidRange(text: text) }
            ranges.append(range)
        }
        return ranges
    }

    func allows(_ address: IPAddress) -> Bool { allow.contains { $0.contains(address) } }
}

/// Fetched bytes and where they came from.
public struct FetchedContent: Sendable {
    public var finalURL: URL
    public var bytes: [UInt8]
    public var contentType: String?
    /// The image format the bytes' magic numbers show, when asked to expect an image.
    public var format: ImageFormat?
}

/// Fetches a URL for hashing without letting a caller aim the server at its own network: every
/// hop goes through the outbound gate (http(s) only, the host resolved once and checked against
/// the address rules, the connection made to the checked address), redirects are followed by hand
/// and each checked again, with connect and total timeouts and a byte limit enforced while reading.
public final class SafeURLFetcher: Sendable {
    public let policy: FetchPolicy
    /// The one gate every outbound request of the process goes through (integrations too).
    public let gate: OutboundGate

    public init(policy: FetchPolicy = FetchPolicy(), resolver: any HostResolver = SystemResolver()) {
        self.policy = policy
        self.gate = OutboundGate(policy: policy, resolver: resolver)
    }

    /// Checks a URL that something other than the fetcher will call (a webhook): http(s), no
    /// credentials in it, and a host whose every address passes the address rules.
    public func checkDestination(_ text: String) async throws(FetchError) -> URL {
        try await gate.check(text)
    }

    /// Fetches `text`; `maxBytes` lowers the policy's limit for one call (never raises it).
    public func fetch(_ text: String, expectImage: Bool = true, maxBytes: Int? = nil) async throws(FetchError) -> FetchedContent {
        let url = try OutboundGate.parse(text)
        let limit = min(maxBytes ?? policy.maxBytes, policy.maxBytes)
        let deadline = ContinuousClock.now + policy.totalTimeout
        do {
            return try await withThrowingTaskGroup(of: FetchedContent?.self) { group in
                group.addTask { try await self.follow(url, expectImage: expectImage, limit: limit, deadline: deadline) }
                group.addTask {
                    try await Task.sleep(until: deadline, clock: .continuous)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let content = first else {
                    throw FetchError.timedOut(seconds: self.policy.totalTimeout.seconds)
                }
                return content
            }
        } catch let error as FetchError {
            throw error
        } catch {
            throw .connection(Self.describe(error))
        }
    }

    private func follow(_ start: URL, expectImage: Bool, limit: Int, deadline: ContinuousClock.Instant) async throws -> FetchedContent {
        var url = start
        var redirects = 0
        while true {
            let hop = try await fetchOnce(url, limit: limit, deadline: deadline)
            switch hop {
            case let .redirect(location):
                redirects += 1
                guard redirects <= policy.maxRedirects else { throw FetchError.tooManyRedirects(limit: policy.maxRedirects) }
                url = location
            case let .content(content):
                guard expectImage else { return content }
                let format: ImageFormat
                do {
                    format = try content.bytes.withUnsafeBytes { bytes throws(ImageDecodingError) in try ImageFormat.detect(bytes) }
                } catch {
                    throw FetchError.notAnImage(contentType: content.contentType)
                }
                var typed = content
                typed.format = format
                return typed
            }
        }
    }

    private enum Hop {
        case redirect(URL)
        case content(FetchedContent)
    }

    private func fetchOnce(_ url: URL, limit: Int, deadline: ContinuousClock.Instant) async throws -> Hop {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.headers.add(name: "User-Agent", value: policy.userAgent)
        request.headers.add(name: "Accept", value: "image/*, */*;q=0.5")
        let remaining = ContinuousClock.now.duration(to: deadline)
        let response = try await gate.execute(request, deadline: .now() + .nanoseconds(max(remaining.nanoseconds, 1)), purpose: OutboundGate.imageFetch)
        let status = Int(response.status.code)
        if [301, 302, 303, 307, 308].contains(status) {
            guard let location = response.headers.first(name: "Location") else { throw FetchError.redirectWithoutLocation(status: status) }
            guard let next = URL(string: location, relativeTo: url)?.absoluteURL else { throw FetchError.invalidURL(location) }
            return .redirect(try OutboundGate.parse(next.absoluteString))
        }
        guard (200..<300).contains(status) else { throw FetchError.httpStatus(status) }
        if let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > limit {
            throw FetchError.tooLarge(limit: limit)
        }
        var bytes: [UInt8] = []
        for try await var chunk in response.body {
            guard bytes.count + chunk.readableBytes <= limit else { throw FetchError.tooLarge(limit: limit) }
            bytes.append(contentsOf: chunk.readBytes(length: chunk.readableBytes) ?? [])
        }
        return .content(FetchedContent(finalURL: url, bytes: bytes, contentType: response.headers.first(name: "Content-Type"), format: nil))
    }

    static func describe(_ error: any Error) -> String { OutboundGate.describe(error) }
}

