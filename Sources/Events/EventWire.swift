import Basics
import Foundation
public import JSONValues

extension Event {
    /// The event as receivers get it, on the SSE stream and in webhook deliveries alike: its id
    /// (to deduplicate), type, subject, actor, time and data.
    public var wire: [String: JSONValue] {
        [
            "id": .number(Double(id)), "type": .string(type), "subject": .string(subject), "actor": .string(actor),
            "created_at": .string(Timestamp.iso8601Milliseconds(at)),
            "data": payload,
        ]
    }
}
