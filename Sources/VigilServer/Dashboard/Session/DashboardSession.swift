import Access
import Hummingbird

/// Finds the dashboard session a request's cookie names and puts it (and its person) on the
/// context. A cookie that names nothing live is ignored: the page decides whether that matters.
struct DashboardSession: RouterMiddleware {
    typealias Context = VigilRequestContext
    let keys: KeyService
    let users: UserService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let secret = request.cookies[SessionCookie.name]?.value, !secret.isEmpty,
           let found = try await users.session(secret: secret) {
            // A session opened with an API key lasts only as long as the key.
            var live = true
            if let keyID = found.session.keyID { live = try await keys.isLive(id: keyID) }
            if live {
                context.session = found.session
                context.user = found.user
                context.csrfToken = SessionSecret.csrfToken(secret)
                if let keyID = found.session.keyID { context.caller.set(keyID: keyID) }
            }
        }
        var response = try await next(request, context)
        SecurityHeaders.apply(to: &response)
        return response
    }
}

/// What every dashboard response carries. The Content-Security-Policy allows nothing from
/// another origin and no inline script or style: the page's own stylesheet and script only.
enum SecurityHeaders {
    static let policy = [
        "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
        "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'",
    ].joined(separator: "; ")

    static func apply(to response: inout Response) {
        response.headers[.contentSecurityPolicy] = policy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        response.headers[.init("Referrer-Policy")!] = "same-origin"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
    }
}
