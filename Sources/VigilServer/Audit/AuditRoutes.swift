import Access
import Foundation
import Hummingbird

/// `GET /v1/audit`: the audit log for admins, oldest first, filtered by actor, action or target,
/// paged with `after` (the last id seen) and `limit`.
struct AuditRoutes {
    let service: VigilService

    func register(on admin: RouterGroup<VigilRequestContext>) {
        admin.get("audit") { request, _ in
            let after = try Self.integer(request, "after", default: 0, in: 0...Int(Int64.max))
            let limit = try Self.integer(request, "limit", default: 100, in: 1...1000)
            let filter = AuditFilter(actor: request.uri.queryParameters.get("actor"), action: request.uri.queryParameters.get("action"),
                                     target: request.uri.queryParameters.get("target"))
            let events = try await service.audit.events(after: Int64(after), limit: limit, filter: filter)
            return try JSONText.response(AuditPage(events: events.map(AuditEventJSON.init),
                                                   nextAfter: events.count == limit ? events.last?.id : nil))
        }
    }

    static func integer(_ request: Request, _ name: String, default fallback: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = request.uri.queryParameters.get(name) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw APIError.badRequest("\(name) must be an integer from \(range.lowerBound) to \(range.upperBound), got \"\(text.prefix(40))\"")
        }
        return value
    }
}
