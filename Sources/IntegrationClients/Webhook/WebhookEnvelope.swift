import Basics
import Foundation
import JSONValues

/// The one body every webhook gets, whatever sent it (a subscription's delivery, a workflow
/// step, a credential's test): `id` (a string), `type`, `created_at` (ISO 8601, UTC, with
/// milliseconds), `data`, and what else the sender knows (`subject`, `actor`, `delivery_id`,
/// `workflow`/`run`/`step`). A receiver deduplicates by `id`.
struct WebhookEnvelope {
    var id: String
    var type: String
    var createdAt: Date
    var data: JSONValue
    var extra: [String: JSONValue] = [:]

    var json: JSONValue {
        var fields = extra
        fields["id"] = .string(id)
        fields["type"] = .string(type)
        fields["created_at"] = .string(Timestamp.iso8601Milliseconds(createdAt))
        fields["data"] = data
        return .object(fields)
    }

    var bytes: [UInt8] { Array(json.text.utf8) }
}
