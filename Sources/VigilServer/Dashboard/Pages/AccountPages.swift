import Cases
import Foundation
import Hummingbird

/// Accounts: a searchable list; one account with its status, tags, cases and history; block
/// and unblock with a reason.
struct AccountPages {
    let kit: PageKit
    let cases: CaseService
    let accounts: AccountService
    let settings: ServerSettings

    func register(on pages: RouterGroup<VigilRequestContext>) {
        pages.get("accounts") { request, context in
            let query = request.formQuery
            let search = query.get("q").flatMap { $0.isEmpty ? nil : $0 }
            let status = query.get("status").flatMap { $0.isEmpty ? nil : $0 }
            let accounts = try await accounts.list(AccountFilter(status: status, search: search, before: query.get("before").flatMap(Int64.init),
                                                                         limit: 100))
            let data: [String: Any] = [
                "accounts": accounts.map(Self.row), "empty": accounts.isEmpty, "q": search ?? "",
                "statusOptions": settings.accountStatuses.all.map { ["value": $0, "selected": $0 == status] },
                "more": accounts.count == 100 ? ["before": accounts.last.map { String($0.id) } ?? ""] : false,
            ]
            return kit.page("accounts", title: "Accounts", section: "accounts", data: data, request, context)
        }
        pages.get("accounts/{id}") { request, context in try await detail(try context.positiveID(of: "an account"), request, context) }
        pages.post("accounts/{id}/block") { request, context in
            try await change(request, context, blocking: true)
        }
        pages.post("accounts/{id}/unblock") { request, context in
            try await change(request, context, blocking: false)
        }
    }

    func change(_ request: Request, _ context: VigilRequestContext, blocking: Bool) async throws -> Response {
        let id = try context.positiveID(of: "an account")
        let fields = try await kit.form(request)
        guard let reason = fields.text("reason") else {
            return try await detail(id, request, context, problems: ["reason": "Give a reason: it is kept in the account's history."])
        }
        let version = fields.text("version").flatMap(Int.init)
        do {
            if blocking {
                _ = try await accounts.block(id, reason: reason, expectedVersion: version, actor: context.actor)
            } else {
                _ = try await accounts.unblock(id, reason: reason, expectedVersion: version, actor: context.actor)
            }
        } catch let error as CaseError {
            return try await detail(id, request, context, problems: ["reason": error.description], status: APIError.from(error)?.status)
        }
        // From a case page, back to that case (a path made from a number only: never elsewhere).
        let back = fields.text("from_case").flatMap(Int64.init).flatMap { $0 > 0 ? "/cases/\($0)" : nil } ?? "/accounts/\(id)"
        return kit.done(back, notice: blocking ? "Account blocked." : "Account unblocked.", request, context)
    }

    static func row(_ account: Account) -> [String: Any] {
        ["id": account.id, "reference": account.referenceID, "screenName": account.screenName ?? "", "email": account.email ?? "",
         "status": account.status, "blocked": account.isBlocked, "tags": account.tags.joined(separator: ", "), "updated": Display.time(account.updatedAt)]
    }

    func detail(_ id: Int64, _ request: Request, _ context: VigilRequestContext, problems: [String: String] = [:],
                status: HTTPResponse.Status? = nil) async throws -> Response {
        let detail = try await accounts.detail(id)
        var cases: [[String: Any]] = []
        for caseID in detail.caseIDs.suffix(50) {
            // A case deleted since it was linked is left out; any other failure fails the page.
            do { cases.append(CasePages.row(try await self.cases.detail(caseID).case)) } catch CaseError.notFound {}
        }
        let data: [String: Any] = [
            "account": Self.row(detail.account).merging(["version": detail.account.version, "blockReason": detail.account.blockReason ?? "",
                                                         "created": Display.time(detail.account.createdAt)]) { _, new in new },
            "cases": cases, "noCases": cases.isEmpty,
            "history": detail.history.reversed().map { entry in
                ["at": Display.time(entry.at), "actor": entry.actor, "kind": Display.words(entry.kind),
                 "detail": Display.detail(entry.detail)] as [String: Any]
            },
            "errors": problems,
        ]
        return kit.page("account", title: "Account \(detail.account.referenceID)", section: "accounts", data: data,
                        status: status ?? (problems.isEmpty ? .ok : .unprocessableContent), request, context)
    }
}
