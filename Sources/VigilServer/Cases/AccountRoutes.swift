import Cases
import Foundation
import Hummingbird

/// Accounts of the operator's platform: created by reference id (again with the same id
/// returns the same account), listed and searched, read with history and cases, changed
/// (status, tags), blocked and unblocked with a reason.
struct AccountRoutes {
    let accounts: AccountService

    func register(on routes: RouterGroup<VigilRequestContext>) {
        routes.post("accounts") { request, context in
            struct Body: Decodable {
                let referenceID: String
                let screenName: String?
                let email: String?
                let tags: [String]?
                enum CodingKeys: String, CodingKey {
                    case email, tags
                    case referenceID = "reference_id"
                    case screenName = "screen_name"
                }
            }
            let body = try JSONInput.decode(Body.self, from: try await request.collectBody(limit: 64 * 1024))
            let result = try await accounts.upsert(NewAccount(referenceID: body.referenceID, screenName: body.screenName, email: body.email,
                                                              tags: body.tags ?? []), actor: context.actor)
            return try JSONText.response(AccountJSON(result.account), status: result.created ? .created : .ok)
        }
        routes.get("accounts") { request, _ in
            let before = try request.queryInteger("before", default: 0, in: 0...Int.max)
            let limit = try request.queryInteger("limit", default: 50, in: 1...1000)
            if let status = request.query("status"), !accounts.statuses.contains(status) {
                throw APIError.badRequest("status must be one of \(accounts.statuses.all.joined(separator: ", "))")
            }
            let found = try await accounts.list(AccountFilter(status: request.query("status"), tag: request.query("tag"), search: request.query("q"),
                                                              before: before > 0 ? Int64(before) : nil, limit: limit))
            return try JSONText.response(AccountPage(accounts: found.map { AccountJSON($0) }, nextBefore: found.count == limit ? found.last?.id : nil))
        }
        routes.get("accounts/{id}") { _, context in
            try JSONText.response(AccountJSON(try await accounts.detail(try Self.id(context))))
        }
        routes.patch("accounts/{id}") { request, context in
            struct Body: Decodable {
                let status: String?
                let tags: [String]?
                let addTags: [String]?
                let screenName: String?
                let email: String?
                let version: Int?
                enum CodingKeys: String, CodingKey {
                    case status, tags, email, version
                    case addTags = "add_tags"
                    case screenName = "screen_name"
                }
            }
            let body = try JSONInput.decode(Body.self, from: try await request.collectBody(limit: 64 * 1024))
            let updated = try await accounts.update(try Self.id(context), status: body.status, tags: body.tags, addTags: body.addTags ?? [],
                                                    screenName: body.screenName, email: body.email, expectedVersion: body.version,
                                                    actor: context.actor)
            return try JSONText.response(AccountJSON(updated))
        }
        routes.post("accounts/{id}/block") { request, context in
            let body = try JSONInput.decode(ReasonBody.self, from: try await request.collectBody(limit: 64 * 1024))
            return try JSONText.response(AccountJSON(try await accounts.block(try Self.id(context), reason: body.reason ?? "", expectedVersion: body.version,
                                                                              actor: context.actor)))
        }
        routes.post("accounts/{id}/unblock") { request, context in
            let body = try JSONInput.decode(ReasonBody.self, from: try await request.collectBody(limit: 64 * 1024))
            return try JSONText.response(AccountJSON(try await accounts.unblock(try Self.id(context), reason: body.reason ?? "",
                                                                                status: body.status ?? AccountStatuses.active,
                                                                                expectedVersion: body.version, actor: context.actor)))
        }
    }

    struct ReasonBody: Decodable {
        let reason: String?
        let status: String?
        let version: Int?
    }

    static func id(_ context: VigilRequestContext) throws -> Int64 { try context.positiveID(of: "account") }
}
