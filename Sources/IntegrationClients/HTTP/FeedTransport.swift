import AsyncHTTPClient
import Banks
public import Integrations

/// What the list feeds (NCMEC's hash sharing, another Vigil) share: one retrying GET for their
/// pages (429, 5xx and unreachable hosts repeated with the policy's backoff, pages up to 64 MiB),
/// and the stream that a walk through the pages becomes, cancelled with its consumer.
struct FeedTransport: Sendable {
    let http: HTTPClient
    let retry: RetryPolicy
    let timeout: Duration

    /// The answer to a GET; throws only when the host was never reached (or the task was cancelled).
    func get(_ url: String, headers: [(String, String)]) async throws -> HTTPCall.Answer {
        try await HTTPCall.getRetrying(http, url, headers: headers, timeout: timeout, limit: 64 << 20, retry: retry)
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
