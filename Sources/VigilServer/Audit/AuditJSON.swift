import Basics
import Access
import Foundation

/// A page of the audit log as the API shows it.
struct AuditPage: Encodable {
    var events: [AuditEventJSON]
    var nextAfter: Int64?

    enum CodingKeys: String, CodingKey { case events, nextAfter = "next_after" }
}

struct AuditEventJSON: Encodable {
    var id: Int64?
    var at: String
    var actor: String
    var action: String
    var target: String
    var outcome: String
    var remote: String?

    init(_ event: AuditEvent) {
        id = event.id
        at = Timestamp.iso8601(event.at)
        actor = event.actor
        action = event.action
        target = event.target
        outcome = event.outcome
        remote = event.remote
    }
}
