import Access
import Hummingbird
import HTTPTypes
import SafeFetch

/// Refuses callers whose role does not include `required` (403: the key is valid, the role is not enough).
struct RequireRole: RouterMiddleware {
    typealias Context = VigilRequestContext
    let required: Role

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let role = context.role, role.includes(required) else {
            throw APIError(.forbidden, "forbidden", "this route needs a key with the \(required.rawValue) role or higher")
        }
        return try await next(request, context)
    }
}
