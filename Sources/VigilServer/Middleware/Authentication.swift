import Access
import Hummingbird
import HTTPTypes
import SafeFetch

/// Resolves who is calling: a key in `Authorization: Bearer` (native and HMA clients) or
/// `Ocp-Apim-Subscription-Key` (PhotoDNA clients), or a trusted reverse proxy. Health probes
/// and the API document are open; everything else needs one of those.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = VigilRequestContext
    let keys: KeyService
    let trustedProxies: [IPRange]
    let proxyRole: Role

    static let openPaths: Set<String> = ["/status", "/status/live", "/status/ready", "/openapi.json"]
    static let subscriptionKey = HTTPField.Name("Ocp-Apim-Subscription-Key")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if Self.openPaths.contains(request.uri.path) { return try await next(request, context) }
        var context = context
        if let secret = Self.presentedSecret(request) {
            guard let key = try await keys.authenticate(secret) else { throw APIError.invalidKey }
            context.apiKey = key
            context.caller.set(keyID: key.id)
        } else if let peer = context.remoteAddress.flatMap({ IPAddress($0.value) }), trustedProxies.contains(where: { $0.contains(peer) }) {
            context.proxyRole = proxyRole
        } else {
            throw APIError.unauthorized
        }
        return try await next(request, context)
    }

    static func presentedSecret(_ request: Request) -> String? {
        if let header = request.headers[.authorization] {
            // "Bearer " in any case, compared on the bytes: this runs on every request.
            let utf8 = header.utf8
            if utf8.count > 7, utf8.prefix(6).elementsEqual("bearer".utf8, by: { $0 | 0x20 == $1 }), utf8.dropFirst(6).first == 0x20 {
                return String(header.dropFirst(7)).trimmingWhitespaces
            }
            return header  // a bare key is accepted too; malformed values simply fail the lookup
        }
        return request.headers[subscriptionKey]
    }
}
