import Access
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
@testable import VigilServer

/// A browser, as the dashboard tests need one: a session cookie and the CSRF token of the last
/// page it read, which its forms send back.
struct Browser {
    let http: any TestClientProtocol
    var cookie: String?
    var csrf: String?

    static let password = "correct horse battery"

    /// Creates a user of `role` (through the service, as `vigil users create` does) and signs in.
    static func signedIn(_ role: Role, fixture: ServerFixture, http: any TestClientProtocol) async throws -> Browser {
        let name = "\(role.rawValue)-\(UUID().uuidString.prefix(6).lowercased())"
        _ = try await fixture.service.users.create(name: name, role: role, password: password)
        var browser = Browser(http: http)
        let reply = try await browser.post("/login", ["name": name, "password": password])
        #expect(reply.status == 303, "signing in as \(name): \(reply.text)")
        try await browser.readCSRF()
        return browser
    }

    mutating func readCSRF() async throws {
        let page = try await get("/settings")
        csrf = Self.csrf(in: page.text)
    }

    static func csrf(in html: String) -> String? {
        guard let range = html.range(of: #"name="csrf" value=""#) else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    func headers(_ contentType: String? = nil, origin: String? = nil) -> HTTPFields {
        var headers = HTTPFields()
        if let cookie { headers[.cookie] = "\(SessionCookie.name)=\(cookie)" }
        if let contentType { headers[.contentType] = contentType }
        if let origin { headers[.origin] = origin }
        return headers
    }

    func get(_ uri: String) async throws -> Reply {
        try await http.execute(uri: uri, method: .get, headers: headers(), body: nil) { response in
            Reply(status: Int(response.status.code), headers: response.headers, body: Array(response.body.readableBytesView))
        }
    }

    /// Posts a form; the CSRF token is added unless the test gives its own (or nil: none).
    /// `repeated`: fields sent more than once (the ticked boxes of a list), after `fields`.
    mutating func post(_ uri: String, _ fields: [String: String], repeated: [(String, String)] = [], csrf given: String?? = .none,
                       origin: String? = nil) async throws -> Reply {
        var fields = fields
        switch given {
        case .none: if let csrf { fields["csrf"] = csrf }
        case let .some(value): if let value { fields["csrf"] = value }
        }
        let body = (fields.map { ($0.key, $0.value) } + repeated).map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        let reply = try await http.execute(uri: uri, method: .post, headers: headers("application/x-www-form-urlencoded", origin: origin),
                                           body: ByteBuffer(string: body)) { response in
            Reply(status: Int(response.status.code), headers: response.headers, body: Array(response.body.readableBytesView))
        }
        if let setCookie = reply.headers[values: .setCookie].first(where: { $0.hasPrefix(SessionCookie.name + "=") }) {
            let value = setCookie.dropFirst(SessionCookie.name.count + 1).prefix { $0 != ";" }
            cookie = value.isEmpty ? nil : String(value)
        }
        // A refused form redirects to the page that says why (post/redirect/get): a browser
        // follows it, and so does this one (`postOnly` gives the redirect itself).
        if reply.status == 303, let location = reply.headers[.location], location.hasPrefix("/refused/") {
            return try await get(location)
        }
        return reply
    }

    /// Posts a multipart form (an upload) as the page's form does: the CSRF token in the action's query.
    func postMultipart(_ uri: String, parts: [(name: String, filename: String?, bytes: [UInt8])]) async throws -> Reply {
        let form = MultipartBody(parts: parts, fileType: "image/jpeg")
        let separator = uri.contains("?") ? "&" : "?"
        let target = uri + separator + "csrf=" + Self.encode(csrf ?? "")
        let reply = try await http.execute(uri: target, method: .post, headers: headers(form.contentType),
                                           body: ByteBuffer(bytes: form.bytes)) { response in
            Reply(status: Int(response.status.code), headers: response.headers, body: Array(response.body.readableBytesView))
        }
        if reply.status == 303, let location = reply.headers[.location], location.hasPrefix("/refused/") { return try await get(location) }
        return reply
    }

    /// Posts a form and gives its answer as it is, without following a refused form's redirect.
    mutating func postOnly(_ uri: String, _ fields: [String: String]) async throws -> Reply {
        var fields = fields
        if let csrf { fields["csrf"] = csrf }
        let body = fields.map { "\(Self.encode($0.key))=\(Self.encode($0.value))" }.joined(separator: "&")
        return try await http.execute(uri: uri, method: .post, headers: headers("application/x-www-form-urlencoded"),
                                      body: ByteBuffer(string: body)) { response in
            Reply(status: Int(response.status.code), headers: response.headers, body: Array(response.body.readableBytesView))
        }
    }

    /// The notice a redirect carries to the next page (post/redirect/get), as the person reads it.
    static func notice(of reply: Reply) -> String? {
        guard let cookie = reply.headers[values: .setCookie].first(where: { $0.hasPrefix(SessionCookie.flashName + "=") }) else { return nil }
        let value = String(cookie.dropFirst(SessionCookie.flashName.count + 1).prefix { $0 != ";" })
        var text = value.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        return Data(base64Encoded: text).flatMap { String(data: $0, encoding: .utf8) }
    }

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }
}
