import Hummingbird
import NIOCore
import Synchronization

/// Turns every thrown error into the JSON error shape; anything unexpected becomes a 500 whose
/// body says nothing about internals (the log has the detail, under the request id).
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = VigilRequestContext
    /// The routes, to tell "no such path" (404) from "not with this method" (405 with Allow).
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError: APIError
            // Hummingbird names an unmatched request's endpoint "NotFound".
            if let http = error as? HTTPError, http.status == .notFound, context.endpointPath == nil || context.endpointPath == "NotFound",
               case let allowed = routes.methods(for: request.uri.path), !allowed.isEmpty {
                var response = Self.response(APIError(.methodNotAllowed, "method_not_allowed",
                                                      "\(request.method.rawValue) is not allowed on \(request.uri.path); use \(allowed.joined(separator: ", "))"),
                                             path: request.uri.path)
                response.headers[.allow] = allowed.joined(separator: ", ")
                return response
            }
            if let known = APIError.from(error) {
                apiError = known
            } else {
                context.logger.error("unhandled error", metadata: [
                    "request_id": .string(context.requestID), "error": .string(String(describing: error).prefix(500).description),
                ])
                apiError = APIError(.internalServerError, "internal_error", "internal error (request \(context.requestID))")
            }
            return Self.response(apiError, path: request.uri.path)
        }
    }

    /// HMA clients read a top-level `message`: its routes carry it beside the `error` object.
    static func response(_ error: APIError, path: String) -> Response {
        var body = #"{"error":{"code":"# + JSONText.quote(error.code) + #","message":"# + JSONText.quote(error.message)
            + (error.issuesJSON.map { #","issues":"# + $0 } ?? "") + (error.currentJSON.map { #","current":"# + $0 } ?? "") + "}"
        if HMAPaths.isHMA(path) { body += #","message":"# + JSONText.quote(error.message) }
        body += "}"
        var response = JSONText.response(body, status: error.status)
        if error.status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
        if let seconds = error.retryAfter { response.headers[.retryAfter] = String(seconds) }
        return response
    }
}
