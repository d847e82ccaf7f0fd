import Events
import Foundation
import Hummingbird
import JSONValues

/// The dashboard's live stream: Server-Sent Events of new cases, matches and report changes,
/// which the page's script turns into a badge and new rows without a reload.
struct LivePages {
    let events: any EventStore
    let eventFeed: EventFeed
    static let types = ["case.*", "match.found", "report.*"]

    func register(on pages: RouterGroup<VigilRequestContext>) {
        pages.get("live/events") { request, _ in
            let start = try await events.latestID()
            let after = request.headers[EventRoutes.lastEventID].flatMap { Int64($0.trimmingCharacters(in: .whitespaces)) } ?? start
            return EventRoutes.stream(eventFeed.events(after: min(after, start), types: Self.types), frame: Self.frame)
        }
    }

    /// A frame with what the page needs: the type, the subject and a few display fields.
    static func frame(_ event: Event) -> String {
        var data: [String: JSONValue] = ["type": .string(event.type), "subject": .string(event.subject)]
        for key in ["case_id", "title", "status", "priority", "queue", "assignee", "report_id", "state", "evidence_count"] {
            if let value = event.payload.object?[key] { data[key] = value }
        }
        return "id: \(event.id)\nevent: \(event.type)\ndata: \(JSONValue.object(data).text)\n\n"
    }
}
