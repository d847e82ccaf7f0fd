import Access
import Foundation
import HTTPTypes
import Hummingbird

/// Who may open each dashboard page and press each of its buttons, written once as data like
/// the API's `RouteAccess`: "METHOD /pattern" → what it needs. Every permission is the API's,
/// so the role matrix of the cases issue is the dashboard's too. A route with no rule is refused.
enum PageAccess: Sendable, Equatable {
    /// The sign-in form, the stylesheet and script, the API reference.
    case open
    /// Any signed-in person (home, their own preferences, signing out).
    case signedIn
    case permission(Permission)

    static func rule(method: String, path: String) -> PageAccess? { rules["\(method) \(path)"] }

    static let rules: [String: PageAccess] = {
        var rules: [String: PageAccess] = [:]
        func add(_ access: PageAccess, _ routes: [String]) {
            for route in routes {
                precondition(rules[route] == nil, "\(route) has two access rules")
                rules[route] = access
            }
        }
        add(.open, ["GET /login", "POST /login", "GET /assets/{file}", "GET /docs"])
        add(.signedIn, ["GET /", "POST /logout", "GET /settings", "POST /settings/preferences", "GET /refused/{token}"])
        add(.permission(.readBanks), ["GET /integrations", "GET /integrations/{id}", "GET /banks", "GET /banks/{name}", "GET /jobs/{id}",
                                      "GET /jobs/{id}/progress"])
        add(.permission(.manageCredentials), ["GET /credentials", "POST /integrations/{id}/credentials", "POST /credentials/{id}/test",
                                              "POST /credentials/{id}/delete", "GET /credentials/{id}/edit", "POST /credentials/{id}"])
        add(.permission(.writeBanks), ["POST /banks", "POST /banks/{name}/import", "POST /banks/{name}/entries/{id}/snooze",
                                       "POST /banks/{name}/entries/{id}/restore", "POST /banks/{name}/entries/{id}/delete"])
        add(.permission(.lookup), ["GET /try", "POST /try", "POST /banks/{name}/search"])
        add(.permission(.readWorkflows), ["GET /workflows", "GET /workflows/{id}", "GET /workflow-runs/{run}"])
        add(.permission(.writeWorkflows), ["POST /workflows", "POST /workflows/{id}/steps", "POST /workflows/{id}/steps/{step}/delete",
                                           "POST /workflows/{id}/steps/{step}/move", "POST /workflows/{id}/steps/{step}/duplicate",
                                           "POST /workflows/{id}/trigger", "POST /workflows/{id}/versions/{version}/live", "POST /workflows/{id}/trial",
                                           "POST /workflows/{id}/publish", "POST /workflow-runs/{run}/rerun"])
        add(.permission(.readCases), ["GET /cases", "GET /cases/{id}", "GET /accounts", "GET /accounts/{id}", "GET /media/{sha256}/preview",
                                      "GET /live/events"])
        add(.permission(.reviewCases), ["POST /cases/take", "POST /cases/bulk", "POST /cases/{id}/decisions", "POST /cases/{id}/comments", "POST /accounts/{id}/block",
                                        "POST /accounts/{id}/unblock"])
        add(.permission(.revealEvidence), ["POST /cases/{id}/evidence/{sha256}/reveal", "POST /cases/{id}/evidence/{sha256}/hide"])
        add(.permission(.draftReports), ["POST /cases/{id}/report", "POST /reports/{id}/edit"])
        add(.permission(.approveReports), ["POST /reports/{id}/approve", "POST /reports/{id}/retract", "POST /reports/{id}/retry"])
        add(.permission(.administer), ["GET /audit", "GET /users", "POST /users", "POST /users/{id}", "GET /keys", "POST /keys",
                                       "POST /keys/{id}/revoke", "POST /settings/organisation",
                                       "POST /cases/queue-sla", "POST /exposure-limits", "POST /exposure-limits/remove"])
        return rules
    }()

    /// Whether `role` passes this rule (nil: not signed in).
    func admits(_ role: Role?) -> Bool {
        switch self {
        case .open: true
        case .signedIn: role != nil
        case let .permission(permission): role?.may(permission) ?? false
        }
    }
}

/// Enforces `PageAccess` and, on every form post, the CSRF token and the browser's own word
/// on where the request came from. Not signed in: to the sign-in form. Not allowed: 403.
struct PageAuthorize: RouterMiddleware {
    typealias Context = VigilRequestContext
    let renderer: PageRenderer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let method = request.method == .head ? "GET" : request.method.rawValue
        guard let path = context.endpointPath, let rule = PageAccess.rule(method: method, path: path) else {
            return renderer.problem(.forbidden, "No access rule covers \(method) \(request.uri.path).", request: request, context: context)
        }
        if rule != .open, context.session == nil {
            if method == "GET" {
                let next = request.uri.path + (request.uri.query.map { "?\($0)" } ?? "")
                return .redirect(to: "/login?next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"), type: .found)
            }
            return .redirect(to: "/login", type: .normal)
        }
        guard rule.admits(context.role) else {
            let needed: String = if case let .permission(permission) = rule { permission.rawValue } else { "a signed-in session" }
            return renderer.problem(.forbidden, "Your role (\(context.role?.rawValue ?? "none")) may not do this: it needs \(needed).",
                                    request: request, context: context)
        }
        var request = request
        if method == "POST" {
            if let refusal = try await Self.refusal(&request, context: context) {
                return renderer.problem(.forbidden, refusal, request: request, context: context)
            }
        }
        return try await next(request, context)
    }

    /// Why a form post is refused, or nil. The sign-in form has no session yet: it is checked by
    /// origin only (SameSite=Strict keeps the cookie from cross-site posts anyway).
    static func refusal(_ request: inout Request, context: Context) async throws -> String? {
        if let site = request.headers[secFetchSite], site == "cross-site" { return "A form from another site was refused." }
        if let origin = request.headers[.origin], origin != "null", let host = request.head.authority,
           URL(string: origin)?.host.map({ host == $0 || host.hasPrefix($0 + ":") }) != true {
            return "A form from another origin (\(origin)) was refused."
        }
        guard let expected = context.csrfToken else { return nil }
        let given: String?
        if let fromQuery = request.uri.queryParameters.get("csrf") {
            given = fromQuery  // multipart uploads carry it in the action's query: their body streams to disk
        } else if request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true {
            given = FormFields(try await request.collectForm())["csrf"]
        } else {
            given = nil
        }
        guard let given, SessionSecret.same(given, expected) else {
            return "The form's security token is missing or out of date: reload the page and try again."
        }
        return nil
    }

    static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!
}
