import Foundation
import HTTPTypes
import Hummingbird
import SafeFetch

/// The session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site's page
/// sends it), Secure when the server is reached over TLS, and scoped to the whole site.
enum SessionCookie {
    static let name = "vigil_session"
    static let flashName = "vigil_flash"

    static func set(_ secret: String, on response: inout Response, secure: Bool, maxAge: Int) {
        response.setCookie(Cookie(name: name, value: secret, maxAge: maxAge, path: "/", secure: secure, httpOnly: true, sameSite: .strict))
    }

    static func clear(on response: inout Response, secure: Bool) {
        response.setCookie(Cookie(name: name, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: true, sameSite: .strict))
    }

    /// A one-line notice shown on the next page (after a redirect), then cleared.
    static func flash(_ text: String, on response: inout Response, secure: Bool) {
        let encoded = Data(text.prefix(300).utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        response.setCookie(Cookie(name: flashName, value: encoded, maxAge: 60, path: "/", secure: secure, httpOnly: true, sameSite: .strict))
    }

    static func clearFlash(on response: inout Response) {
        response.setCookie(Cookie(name: flashName, value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .strict))
    }

    static func flash(of request: Request) -> String? {
        guard var text = request.cookies[flashName]?.value, !text.isEmpty else { return nil }
        text = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        return Data(base64Encoded: text).flatMap { String(data: $0, encoding: .utf8) }
    }

    /// Whether the browser reached us over TLS: by setting, or through a trusted proxy that says so
    /// (X-Forwarded-Proto from anyone else is ignored).
    static func isSecure(_ request: Request, context: VigilRequestContext, settings: ServerSettings) -> Bool {
        if settings.dashboardSecureCookies { return true }
        guard let peer = context.remoteAddress.flatMap({ IPAddress($0.value) }),
              settings.trustedProxies.contains(where: { $0.contains(peer) }) else { return false }
        return request.headers[forwardedProto]?.lowercased() == "https"
    }

    static let forwardedProto = HTTPField.Name("X-Forwarded-Proto")!
}
