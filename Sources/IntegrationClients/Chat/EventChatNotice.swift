public import Events
import Foundation
import JSONValues

/// An event as a chat message: what happened in words, the few fields a person needs to decide
/// whether to look, and a link to what it is about. Image URLs, images and whole hashes stay out.
public enum EventChatNotice {
    /// Fields shown, in this order, when the event has them (scalars only).
    static let shown = ["title", "status", "priority", "queue", "assignee", "reference_id", "reason", "state", "source", "distance",
                        "workflow_id", "error", "message"]

    public static func notice(_ event: Event, links: DashboardLinks) -> ChatNotice {
        let payload = event.payload.object ?? [:]
        let what = event.type.replacingOccurrences(of: ".", with: " ").replacingOccurrences(of: "-", with: " ").replacingOccurrences(of: "_", with: " ")
        let parts = event.subject.split(separator: ":", maxSplits: 1).map(String.init)
        let about: String
        var link: ChatNotice.Link?
        switch (parts.first, parts.count == 2 ? Int64(parts[1]) : nil) {
        case let ("case", id?): about = "case #\(id)"; link = links.case(id)
        case let ("account", id?): about = "account \(payload["reference_id"]?.string ?? String(id))"; link = links.account(id)
        case let ("workflow-run", id?): about = "run \(id)"; link = links.run(id)
        default: about = event.subject
        }
        if link == nil, let caseID = payload["case_id"]?.integer { link = links.case(Int64(caseID)) }
        let lines = shown.compactMap { key -> String? in
            guard let value = payload[key], let text = scalar(value) else { return nil }
            return "\(key.replacingOccurrences(of: "_", with: " ")): \(text.prefix(160))"
        }
        return ChatNotice(title: "Vigil: \(what), \(about)", text: lines.isEmpty ? "By \(event.actor)." : lines.joined(separator: "\n") + "\nBy \(event.actor).",
                          links: link.map { [$0] } ?? [])
    }

    static func scalar(_ value: JSONValue) -> String? {
        switch value {
        case let .string(text): text
        case let .number(number): number.rounded() == number && abs(number) < 9e15 ? String(Int(number)) : String(number)
        case let .bool(flag): flag ? "yes" : "no"
        default: nil
        }
    }
}
