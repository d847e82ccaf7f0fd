import Access
import Foundation
import Hummingbird

/// `GET /v1/audit`: the audit log for admins, oldest first, filtered by actor, action or target,
/// paged with `after` (the last id seen) and `limit`.
struct AuditRoutes {
    let audit: any AuditLog

    func register(on routes: RouterGroup<VigilRequestContext>) {
        routes.get("audit") { request, _ in
            let after = try request.queryInteger("after", default: 0, in: 0...Int.max)
            let limit = try request.queryInteger("limit", default: 100, in: 1...1000)
            let filter = AuditFilter(actor: request.query("actor"), action: request.query("action"), target: request.query("target"))
            let events = try await audit.events(after: Int64(after), limit: limit, filter: filter)
            return try JSONText.response(AuditPage(events: events.map(AuditEventJSON.init),
                                                   nextAfter: events.count == limit ? events.last?.id : nil))
        }
    }
}
