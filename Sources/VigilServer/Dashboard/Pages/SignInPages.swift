import Access
import Foundation
import Hummingbird

/// Signing in (a name and password, or an API key) and out.
struct SignInPages {
    let kit: PageKit
    let keys: KeyService
    let audit: any AuditLog
    let users: UserService
    let settings: ServerSettings

    func register(on pages: RouterGroup<VigilRequestContext>) {
        pages.get("login") { request, context in
            if context.session != nil { return Response.redirect(to: Self.next(request.uri.queryParameters.get("next")), type: .found) }
            return form(request, context, next: request.uri.queryParameters.get("next"))
        }
        pages.post("login") { request, context in
            let fields = try await kit.form(request)
            let next = fields["next"]
            let users = users
            let remote = context.remoteAddress?.value ?? "unknown"
            let opened: OpenedSession
            do {
                if let key = fields.text("api_key") {
                    if let wait = users.limiter.wait(for: remote, at: Date()) { throw SignInError.tooManyAttempts(retryAfter: Int(wait.rounded(.up))) }
                    guard let found = try await keys.authenticate(key) else {
                        users.limiter.recordFailure(from: remote, at: Date())
                        try await refused(target: "api key", outcome: "refused: not a live key", context)
                        return form(request, context, next: next, problems: ["api_key": "This key is not valid or was revoked."], status: .unauthorized)
                    }
                    opened = try await users.signIn(key: found)
                } else {
                    var problems: [String: String] = [:]
                    if fields.text("name") == nil { problems["name"] = "Enter your user name." }
                    if (fields["password"] ?? "").isEmpty { problems["password"] = "Enter your password." }
                    if !problems.isEmpty { return form(request, context, next: next, name: fields["name"], problems: problems, status: .unprocessableContent) }
                    opened = try await users.signIn(name: fields["name"] ?? "", password: fields["password"] ?? "", remote: remote)
                }
            } catch let error as SignInError {
                // Who was tried, never what was typed: a name is recorded only when it is a
                // person's (a password typed into the name field is not), and refusals of the
                // per-address limit, which checked nothing, are not written at all (an address
                // cannot fill the log with them).
                let limited = if case .tooManyAttempts = error { true } else { false }
                if !limited {
                    let target = fields.text("api_key") != nil ? "api key" : try await Self.triedName(fields["name"] ?? "", users)
                    let outcome = error == .refused ? "refused: wrong name or password" : "refused: the name is locked after failed sign-ins"
                    try await refused(target: target, outcome: outcome, context)
                }
                var response = form(request, context, next: next, name: fields["name"], general: error.description,
                                    status: error == .refused ? .unauthorized : .tooManyRequests)
                if case let .tooManyAttempts(seconds) = error { response.headers[.retryAfter] = String(seconds) }
                return response
            }
            // A new session replaces whatever this browser held before.
            if let old = request.cookies[SessionCookie.name]?.value, !old.isEmpty { try await users.signOut(secret: old) }
            try await audit.append(AuditEvent(actor: opened.session.actor, action: "dashboard.sign_in", target: opened.session.actor,
                                                          outcome: "ok", remote: context.remoteAddress?.value))
            var response = Response.redirect(to: Self.next(next), type: .normal)
            SessionCookie.set(opened.secret, on: &response, secure: SessionCookie.isSecure(request, context: context, settings: settings),
                              maxAge: Int(users.sessionLifetime))
            return response
        }
        pages.post("logout") { request, context in
            if let secret = request.cookies[SessionCookie.name]?.value { try await users.signOut(secret: secret) }
            var response = Response.redirect(to: "/login", type: .normal)
            SessionCookie.clear(on: &response, secure: SessionCookie.isSecure(request, context: context, settings: settings))
            return response
        }
    }

    /// The name a refused sign-in tried, as the audit log records it: `user:NAME` when it is a
    /// person's name, else `user:(unknown)`, so nothing typed by mistake is kept.
    static func triedName(_ typed: String, _ users: UserService) async throws -> String {
        let name = typed.trimmingCharacters(in: .whitespaces).lowercased()
        guard !name.isEmpty, name.count <= 64 else { return "user:(unknown)" }
        do {
            return try await users.user(named: name).actor
        } catch AccessError.notFound {
            return "user:(unknown)"
        }
    }

    /// A refused sign-in, in the audit log: a run of them from one address is what an admin
    /// looks for after an attack.
    func refused(target: String, outcome: String, _ context: VigilRequestContext) async throws {
        try await audit.append(AuditEvent(actor: "anonymous", action: "dashboard.sign_in", target: target, outcome: outcome,
                                          remote: context.remoteAddress?.value))
    }

    func form(_ request: Request, _ context: VigilRequestContext, next: String?, name: String? = nil, problems: [String: String] = [:],
              general: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        var data: [String: Any] = ["next": Self.next(next), "name": name ?? "", "errors": problems]
        if let general { data["general"] = general }
        return kit.page("login", title: "Sign in", section: "login", data: data, status: status, request, context)
    }

    /// Where to go after signing in: a path on this site, or `/`. Browsers drop tabs and line
    /// breaks from a Location and read `\\` as `/`, so `/\t/evil.example` would leave the site:
    /// any whitespace, control character or backslash refuses the path.
    static func next(_ text: String?) -> String {
        guard let text, text.hasPrefix("/"), !text.hasPrefix("//"),
              !text.unicodeScalars.contains(where: { $0 == "\\" || $0.properties.isWhitespace || $0.properties.generalCategory == .control
                                                     || $0.properties.generalCategory == .format }),
              let components = URLComponents(string: text), components.scheme == nil, components.host == nil else { return "/" }
        return text
    }
}
