import Foundation
import AsyncHTTPClient
import SafeFetch
import Banks
public import Integrations

/// What the list feeds (NCMEC's hash sharing, another Vigil) share: one retrying GET for their
/// pages (429, 5xx and unreachable hosts repeated with the policy's backoff, pages up to 64 MiB),
/// and the stream that a walk through the pages becomes, cancelled with its consumer.
package struct FeedTransport: Sendable {
    let gate: OutboundGate
    let retry: RetryPolicy
    let timeout: Duration
    /// The integration the pages are for, in the outbound metrics.
    let integration: String

    /// The answer to a GET; throws only when the host was never reached (or the task was cancelled).
    func get(_ url: String, headers: [(String, String)]) async throws -> HTTPCall.Answer {
        try await HTTPCall.getRetrying(gate, url, headers: headers, timeout: timeout, limit: 64 << 20, retry: retry, integration: integration)
    }

    /// A list's `next` page resolved against its base URL: the API's own form, a path from the
    /// base (`/v2/entries?…`), or an absolute URL; either way on the base's origin and under its
    /// path. Anything else (`@host/x`, `//host/x`, another origin) is refused: a list that could
    /// name any host would get the credential sent there with the next request.
    package static func nextPage(_ next: String, base: String) throws(OffOrigin) -> String {
        let resolved: String
        if next.hasPrefix("/"), !next.hasPrefix("//") {
            resolved = base + next
        } else if next.lowercased().hasPrefix("https://") || next.lowercased().hasPrefix("http://") {
            resolved = next
        } else {
            throw OffOrigin(next: next, base: base)
        }
        guard !resolved.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }),
              let origin = Integration.origin(of: resolved), origin == Integration.origin(of: base),
              let path = URLComponents(string: resolved)?.path, let basePath = URLComponents(string: base)?.path,
              path.hasPrefix(basePath) else {
            throw OffOrigin(next: next, base: base)
        }
        return resolved
    }

    /// A `next` page that leaves the list's origin.
    package struct OffOrigin: Error, CustomStringConvertible {
        let next: String
        let base: String
        package var description: String {
            "the list's next page \"\(next.prefix(200))\" is not under \(base): not followed (a list's pages stay where the list is)"
        }
    }

    /// Runs `walk` in a task of its own, its pages yielded as they come; a consumer that stops
    /// reading cancels the walk.
    static func stream(_ walk: @escaping @Sendable (_ yield: @escaping @Sendable (FeedPage) -> Void) async throws -> Void)
        -> AsyncThrowingStream<FeedPage, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await walk { continuation.yield($0) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

extension RetryPolicy {
    /// The list feeds' default: four calls, 1 s backoff doubling with jitter.
    public static let listFeed = RetryPolicy(attempts: 4, baseDelay: .seconds(1))
}
