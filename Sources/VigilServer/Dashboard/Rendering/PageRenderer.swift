import Access
import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore

/// Renders the dashboard's pages: a page's template inside the layout, which carries the
/// navigation the role may use, the person, the CSRF token for every form, and a notice.
/// Templates are loaded once from the module's resources.
final class PageRenderer: Sendable {
    let library: MustacheLibrary
    /// Why the templates could not be loaded (a packaging fault): every page then says so, and
    /// the API goes on working.
    let setupProblem: String?

    init() {
        do {
            library = try Self.load()
            setupProblem = nil
        } catch {
            library = MustacheLibrary()
            setupProblem = String(describing: error)
        }
    }

    static let shared = PageRenderer()

    static func load() throws -> MustacheLibrary {
        guard let directory = Bundle.module.url(forResource: "Templates", withExtension: nil) else {
            throw DashboardSetupError("the dashboard's templates are missing from the bundle")
        }
        var library = MustacheLibrary()
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) where file.hasSuffix(".mustache") {
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            do {
                try library.register(text, named: String(file.dropLast(".mustache".count)))
            } catch {
                throw DashboardSetupError("template \(file): \(error)")
            }
        }
        return library
    }

    /// A page: `template` rendered with `data`, inside the layout.
    func page(_ template: String, title: String, section: String? = nil, data: [String: Any] = [:], status: HTTPResponse.Status = .ok,
              request: Request, context: VigilRequestContext, notice: String? = nil) -> Response {
        if let setupProblem {
            return Response(status: .internalServerError, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: "The dashboard cannot be shown: \(setupProblem)")))
        }
        var data = data
        let common = layoutData(title: title, section: section, request: request, context: context, notice: notice)
        for (key, value) in common where data[key] == nil { data[key] = value }
        data = Self.pruned(data)
        let body = library.render(data, withTemplate: template) ?? "<p>template \(template) is missing</p>"
        data["body"] = body
        let html = library.render(data, withTemplate: "layout") ?? body
        var response = Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
        if SessionCookie.flash(of: request) != nil { SessionCookie.clearFlash(on: &response) }
        return response
    }

    /// Mustache treats an empty string as true, so `{{#error}}` would draw an empty error box:
    /// empty strings are dropped from the data (they render as nothing either way).
    static func pruned(_ data: [String: Any]) -> [String: Any] {
        var out: [String: Any] = [:]
        for (key, value) in data {
            if let text = value as? String, text.isEmpty { continue }
            out[key] = prunedValue(value)
        }
        return out
    }

    static func prunedValue(_ value: Any) -> Any {
        if let dictionary = value as? [String: Any] { return pruned(dictionary) }
        if let strings = value as? [String: String] { return strings.filter { !$0.value.isEmpty } }
        if let array = value as? [[String: Any]] { return array.map(pruned) }
        if let array = value as? [Any] { return array.map(prunedValue) }
        return value
    }

    /// A page that only says what went wrong (403, 404, a refused action).
    func problem(_ status: HTTPResponse.Status, _ message: String, request: Request, context: VigilRequestContext) -> Response {
        page("problem", title: "\(status.code) \(status.reasonPhrase)", data: ["status": status.code, "reason": status.reasonPhrase, "message": message],
             status: status, request: request, context: context)
    }

    func layoutData(title: String, section: String?, request: Request, context: VigilRequestContext, notice: String?) -> [String: Any] {
        var data: [String: Any] = ["title": title, "csrf": context.csrfToken ?? ""]
        if let notice = notice ?? SessionCookie.flash(of: request) { data["notice"] = notice }
        if let session = context.session {
            data["signedIn"] = true
            data["who"] = context.user?.name ?? session.actor
            data["role"] = session.role.rawValue
            data["nav"] = Navigation.items(for: session.role).map { item in
                ["href": item.href, "label": item.label, "current": item.section == section] as [String: Any]
            }
        }
        data["can"] = Self.abilities(context.role)
        return data
    }

    /// `can.cases_review` and so on: what the role may press, for the templates to hide buttons.
    /// The server refuses the action anyway (`PageAuthorize`).
    static func abilities(_ role: Role?) -> [String: Bool] {
        var can: [String: Bool] = [:]
        for permission in Permission.allCases {
            can[permission.rawValue.replacingOccurrences(of: ".", with: "_")] = role?.may(permission) ?? false
        }
        return can
    }
}

/// The navigation, each entry shown only to roles that may open it.
enum Navigation {
    struct Item {
        let section: String
        let label: String
        let href: String
        let permission: Permission?
    }

    static let all: [Item] = [
        Item(section: "home", label: "Home", href: "/", permission: nil),
        Item(section: "cases", label: "Cases", href: "/cases", permission: .readCases),
        Item(section: "accounts", label: "Accounts", href: "/accounts", permission: .readCases),
        Item(section: "banks", label: "Banks", href: "/banks", permission: .readBanks),
        Item(section: "try", label: "Try an image", href: "/try", permission: .lookup),
        Item(section: "workflows", label: "Workflows", href: "/workflows", permission: .readWorkflows),
        Item(section: "integrations", label: "Integrations", href: "/integrations", permission: .readBanks),
        Item(section: "audit", label: "Audit log", href: "/audit", permission: .administer),
        Item(section: "users", label: "Users & keys", href: "/users", permission: .administer),
        Item(section: "settings", label: "Settings", href: "/settings", permission: nil),
        Item(section: "docs", label: "API", href: "/docs", permission: nil),
    ]

    static func items(for role: Role) -> [Item] { all.filter { $0.permission.map(role.may) ?? true } }
}

struct DashboardSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
