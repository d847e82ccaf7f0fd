import Access
import Hummingbird
import HTTPTypes

/// Enforces the route × role matrix: the route's permission (`RouteAccess`) must be one the
/// caller's role holds. Runs after routing (it is group middleware), so it sees the matched
/// route's pattern. A route with no rule is refused: access fails closed.
struct Authorize: RouterMiddleware {
    typealias Context = VigilRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let method = request.method == .head ? "GET" : request.method.rawValue
        guard let path = context.endpointPath, let permission = RouteAccess.permission(method: method, path: path) else {
            throw APIError(.forbidden, "forbidden", "no access rule covers \(method) \(context.endpointPath ?? request.uri.path)")
        }
        if permission == .open { return try await next(request, context) }
        guard let role = context.role else { throw APIError.unauthorized }
        guard role.may(permission) else {
            let holders = Role.allCases.filter { $0.may(permission) }.map(\.rawValue).joined(separator: ", ")
            throw APIError(.forbidden, "forbidden",
                           "this route needs the \(permission.rawValue) permission (roles: \(holders)); this key's role is \(role.rawValue)")
        }
        return try await next(request, context)
    }
}
