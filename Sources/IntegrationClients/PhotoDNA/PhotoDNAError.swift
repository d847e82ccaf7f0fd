import Basics
public import SafeFetch

/// Why a PhotoDNA call gave no answer. Each case says in words what went wrong and what to do;
/// none carries the subscription key.
public enum PhotoDNAError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The credential lacks a field the call needs, or holds an unusable value.
    case invalidCredential(String)
    /// The request itself cannot be made (no image given, a URL that is not one).
    case invalidRequest(String)
    /// Inline: the image could not be fetched to be sent.
    case imageFetch(FetchError)
    /// HTTP 401: the subscription key was refused.
    case unauthorized
    /// HTTP 403: the key is valid but may not call this operation (or its quota is spent).
    case forbidden(String?)
    /// HTTP 429 on every attempt, or a Retry-After longer than the policy waits.
    case rateLimited(retryAfter: Duration?)
    /// A PhotoDNA status other than 3000: 3002, 3206 and 3208 at once, 3004 once retries ran out.
    case status(code: Int, description: String, exception: String?, trackingID: String?)
    /// HTTP 5xx without a PhotoDNA status, on every attempt.
    case serverError(httpStatus: Int)
    /// Any other HTTP status.
    case unexpectedStatus(Int)
    /// The answer is not PhotoDNA's JSON.
    case malformedResponse(httpStatus: Int, reason: String)
    case timedOut(seconds: Double)
    case connection(String)
    /// The outbound gate refused the endpoint: nothing was sent.
    case refused(FetchError)

    /// Whether the same call may succeed later (a workflow step retries these).
    public var isTransient: Bool {
        switch self {
        case .rateLimited, .serverError, .timedOut, .connection: true
        case let .status(code, _, _, _): code == 3004
        default: false
        }
    }

    public var description: String {
        switch self {
        case let .invalidCredential(reason): "the PhotoDNA credential cannot be used: \(reason)"
        case let .invalidRequest(reason): "the PhotoDNA request cannot be made: \(reason)"
        case let .imageFetch(error): "the image for an Inline match could not be fetched: \(error.description)"
        case .unauthorized: "PhotoDNA refused the subscription key (HTTP 401): check the key in the PhotoDNA portal"
        case let .forbidden(detail):
            "PhotoDNA refused the call (HTTP 403): the key may not use this operation or its quota is spent" + (detail.map { " (\($0))" } ?? "")
        case let .rateLimited(after):
            "PhotoDNA is rate limiting this key (HTTP 429)" + (after.map { "; it asked to wait \($0.components.seconds) s" } ?? "")
                + ": lower the credential's requests per second"
        case let .status(code, description, exception, _):
            "PhotoDNA answered \(code) \(description)" + (exception.map { ": \($0.prefix(300))" } ?? "")
        case let .serverError(status): "PhotoDNA failed with HTTP \(status) on every attempt"
        case let .unexpectedStatus(status): "PhotoDNA answered HTTP \(status), which is not part of its API"
        case let .malformedResponse(status, reason): "PhotoDNA's answer (HTTP \(status)) is not the Match API's JSON: \(reason)"
        case let .timedOut(seconds): "PhotoDNA did not answer within \(seconds) s"
        case let .connection(reason): "PhotoDNA could not be reached: \(reason)"
        case let .refused(error): "nothing was sent to PhotoDNA: \(error.description)"
        }
    }
}
