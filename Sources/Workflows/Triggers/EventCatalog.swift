public import Integrations

/// The events a workflow's `event` trigger can name, each with the fields its payload carries
/// (what `trigger.…` reads in such a workflow). Cases and accounts add theirs when they arrive.
public enum EventCatalog {
    public struct EventType: Sendable, Encodable {
        public let name: String
        public let summary: String
        public let fields: [Field]
    }

    static let lookupFields: [Field] = [
        Field("event_id", .text, "The event's id (a run started by it is keyed by it: one run per event and workflow)."),
        Field("type", .text, "The event type."),
        Field("at", .text, "When the lookup completed (ISO 8601, UTC)."),
        Field("api", .choice(["native", "photodna", "hma", "cli"]), "The API the lookup came through (a workflow step's own lookups start no runs)."),
        Field("is_match", .boolean, "Whether anything matched."),
        Field("pdq", .text, "The image's PDQ hash (64 hex digits), when it had one."),
        Field("md5", .text, "The image's MD5."),
        Field("sha256", .text, "The image's SHA-256."),
        Field("matches", .list(.object([
            Field("bank", .text, "The bank."),
            Field("entry_id", .integer(0...Int.max), "The matched entry."),
            Field("distance", .integer(0...256), "The PDQ distance (0 for an exact hash)."),
            Field("signals", .list(.text), "The signals that matched (pdq, md5, sha256)."),
        ])), "Every match."),
        Field("suppressed_count", .integer(0...Int.max), "Matches an allow bank suppressed."),
    ]

    public static let all: [EventType] = [
        EventType(name: "lookup.completed", summary: "Any lookup, through any API, completed.", fields: lookupFields),
        EventType(name: "match.found", summary: "A lookup, through any API, found at least one match.", fields: lookupFields),
    ]

    public static func event(_ name: String) -> EventType? { all.first { $0.name == name } }
}
