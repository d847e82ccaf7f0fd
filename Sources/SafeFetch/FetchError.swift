/// Why a fetch did not return content. Each message names the URL's problem or the rule that refused it.
public enum FetchError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidURL(String)
    case unsupportedScheme(String)
    case credentialsInURL
    case resolution(host: String, reason: String)
    case refusedAddress(host: String, address: String, rule: String)
    case tooManyRedirects(limit: Int)
    case redirectWithoutLocation(status: Int)
    case httpStatus(Int)
    case tooLarge(limit: Int)
    case timedOut(seconds: Double)
    case connection(String)
    case notAnImage(contentType: String?)

    /// A stable machine-readable code.
    /// A refusal that asking again cannot change (the URL or the address the rules refuse), as
    /// opposed to a name that did not resolve this time, which may next time.
    public var isPermanentRefusal: Bool {
        switch self {
        case .invalidURL, .unsupportedScheme, .credentialsInURL, .refusedAddress: true
        default: false
        }
    }

    public var code: String {
        switch self {
        case .invalidURL, .credentialsInURL: "invalid_url"
        case .unsupportedScheme: "unsupported_url_scheme"
        case .resolution: "url_host_not_resolved"
        case .refusedAddress: "url_address_refused"
        case .tooManyRedirects, .redirectWithoutLocation: "url_redirect_refused"
        case .httpStatus: "url_http_error"
        case .tooLarge: "url_content_too_large"
        case .timedOut: "url_fetch_timeout"
        case .connection: "url_fetch_failed"
        case .notAnImage: "url_not_an_image"
        }
    }

    public var description: String {
        switch self {
        case let .invalidURL(url): "\"\(url.prefix(200))\" is not an absolute http or https URL"
        case let .unsupportedScheme(scheme): "only http and https URLs are fetched, not \(scheme):"
        case .credentialsInURL: "URLs with a user name or password are not fetched"
        case let .resolution(host, reason): "cannot resolve host \(host): \(reason)"
        case let .refusedAddress(host, address, rule):
            "refused to connect to \(host): it resolves to \(address), which is \(rule); an operator can allow it with --fetch-allow (VIGIL_FETCH_ALLOW, or fetch_allow in the config file)"
        case let .tooManyRedirects(limit): "more than \(limit) redirects"
        case let .redirectWithoutLocation(status): "redirect \(status) without a Location header"
        case let .httpStatus(status): "the server answered HTTP \(status)"
        case let .tooLarge(limit): "the content is larger than the limit of \(limit) bytes"
        case let .timedOut(seconds): "the fetch did not finish within \(seconds) s"
        case let .connection(reason): "the fetch failed: \(reason)"
        case let .notAnImage(contentType):
            "the content is not an image in a supported format" + (contentType.map { " (Content-Type \($0))" } ?? "")
        }
    }
}
