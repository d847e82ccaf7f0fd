import Access
import Foundation
import Hummingbird
import HTTPTypes
import NIOCore

/// Post/redirect/get for refused forms too. A form post the server refuses (errors at the fields,
/// a conflict, a refusal: any 4xx page) is answered with a redirect to `GET /refused/{token}`,
/// which shows the refused page — kept in the database for the session that posted it, for
/// minutes, so any replica can answer. A reload shows it again and Back goes to the page the form
/// was on: neither asks to post the form again. Pages that inline an image are never kept (they
/// are answered as they are), nor are posts without a session (signing in, when not signed in
/// already; the password is never typed back). A session keeps its latest few,
/// for minutes; they go with the session and with the hourly purge.
struct RefusedFormRedirect: RouterMiddleware {
    typealias Context = VigilRequestContext
    let users: UserService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response = try await next(request, context)
        guard request.method == .post, let session = context.session, (400..<500).contains(response.status.code),
              response.status != .unauthorized, response.headers[.contentType]?.hasPrefix("text/html") == true else { return response }
        let html = try await Self.collect(response)
        let asItIs = Response(status: response.status, headers: response.headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
        let token: String?
        do {
            token = try await users.keepRefusedPage(html, status: Int(response.status.code), session: session)
        } catch {
            // Not kept: the refusal is still answered, at the form's address.
            context.logger.warning("a refused form's page was not kept", metadata: ["error": .string(String(describing: error).prefix(300).description)])
            return asItIs
        }
        guard let token else { return asItIs }
        var redirect = Response.redirect(to: "/refused/\(token)", type: .normal)
        for cookie in response.headers[values: .setCookie] { redirect.headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return redirect
    }

    /// A rendered page's HTML (one buffer, collected).
    static func collect(_ response: Response) async throws -> String {
        let sink = BodySink()
        try await response.body.write(CollectingWriter(sink: sink))
        return String(buffer: sink.buffer)
    }
}

/// `GET /refused/{token}`: the refused page, to the session that posted the form, while it is kept.
struct RefusedPages {
    let kit: PageKit
    let users: UserService

    func register(on pages: RouterGroup<VigilRequestContext>) {
        pages.get("refused/{token}") { request, context in
            let token = try context.parameters.require("token")
            guard let session = context.session, let kept = try await users.refusedPage(token: token, session: session) else {
                throw APIError(.notFound, "not_found", "That page was the answer to a form and is kept for \(Int(RefusedPage.lifetime / 60)) minutes: "
                    + "go back to the form, or to the page you were on.")
            }
            var headers = HTTPFields()
            headers[.contentType] = "text/html; charset=utf-8"
            return Response(status: HTTPResponse.Status(code: kept.status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: kept.html)))
        }
    }
}

private final class BodySink {
    var buffer = ByteBuffer()
}

private struct CollectingWriter: ResponseBodyWriter {
    let sink: BodySink

    mutating func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        sink.buffer.writeBuffer(&buffer)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
