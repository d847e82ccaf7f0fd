public import Integrations

/// The events a workflow's `event` trigger can name, each with the fields its payload carries
/// (what `trigger.…` reads in such a workflow).
public enum EventCatalog {
    public struct EventType: Sendable {
        public let name: String
        public let summary: String
        public let fields: [Field]
    }

    static let lookupFields: [Field] = [
        Field("event_id", .text, "The event's id (a run started by it is keyed by it: one run per event and workflow)."),
        Field("type", .text, "The event type."),
        Field("at", .text, "When the lookup completed (ISO 8601, UTC)."),
        Field("api", .choice(["native", "photodna", "hma", "cli", "retroactive"]),
              "The API the lookup came through (a workflow step's own lookups start no runs); retroactive for a match found later."),
        Field("retroactive", .boolean, "A match found later: an entry added to a bank matched an image screened before it (match.found only)."),
        Field("account_reference_id", .text, "The account the screened image came from, when its lookup named it (a match found later)."),
        Field("lookup", .object([
            Field("id", .text, "The original lookup's id."),
            Field("api", .text, "The API it came through."),
            Field("at", .text, "When it was screened (ISO 8601, UTC)."),
            Field("caller", .text, "Who asked (key:ID, user:NAME)."),
            Field("account_reference_id", .text, "The account it named."),
            Field("run_id", .integer(1...Int.max), "The workflow run whose step looked it up."),
        ]), "The original lookup of a match found later."),
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
        Field("suppressed", .list(.object([
            Field("bank", .text, "The bank of the suppressed match."),
            Field("entry_id", .integer(0...Int.max), "The suppressed entry."),
            Field("distance", .integer(0...256), "Its PDQ distance (0 for an exact hash)."),
            Field("signals", .list(.text), "The signals that matched."),
            Field("suppressed_by", .object([
                Field("bank", .text, "The allow bank."),
                Field("entry_id", .integer(0...Int.max), "The allow entry."),
                Field("distance", .integer(0...256), "Its distance to the image."),
                Field("signals", .list(.text), "The signals of it that matched."),
            ]), "The allow entry that suppressed it (strictly nearer to the image)."),
        ])), "Matches an allow entry suppressed."),
        Field("suppressed_count", .integer(0...Int.max), "How many matches an allow entry suppressed."),
    ]

    static let common: [Field] = [
        Field("event_id", .text, "The event's id (a run started by it is keyed by it: one run per event and workflow)."),
        Field("type", .text, "The event type."),
        Field("at", .text, "When it happened (ISO 8601, UTC)."),
        Field("actor", .text, "Who caused it (key:<id>, workflow:<id>)."),
        Field("version", .integer(1...Int.max), "The version of the case or account after the change."),
    ]

    static let caseFields: [Field] = common + [
        Field("case_id", .integer(1...Int.max), "The case."),
        Field("title", .text, "Its title."),
        Field("template", .text, "Its template."),
        Field("status", .text, "Its status after the change."),
        Field("previous_status", .text, "Its status before (status changes)."),
        Field("is_final", .boolean, "Whether it is resolved."),
        Field("priority", .choice(["low", "normal", "high", "urgent"]), "Its priority."),
        Field("queue", .text, "Its queue."),
        Field("assignee", .text, "Who it is assigned to."),
        Field("account_ids", .list(.integer(1...Int.max)), "The accounts it links."),
        Field("evidence_count", .integer(0...Int.max), "How many evidence items it holds."),
    ]

    static let accountFields: [Field] = common + [
        Field("account_id", .integer(1...Int.max), "The account."),
        Field("reference_id", .text, "The platform's own id of it."),
        Field("status", .text, "Its status after the change."),
        Field("previous_status", .text, "Its status before (status changes)."),
        Field("tags", .list(.text), "Its tags."),
        Field("block_reason", .text, "Why it is blocked."),
    ]

    static let reportFields: [Field] = [
        Field("event_id", .text, "The event's id (a run started by it is keyed by it: one run per event and workflow)."),
        Field("type", .text, "The event type."),
        Field("at", .text, "When it happened (ISO 8601, UTC)."),
        Field("actor", .text, "Who caused it (key:<id>, workflow:<id>, system:reports)."),
        Field("report_id", .integer(1...Int.max), "The report."),
        Field("case_id", .integer(1...Int.max), "Its case."),
        Field("state", .text, "Its state after the change."),
        Field("ncmec_report_id", .integer(1...Int.max), "NCMEC's report id (report.submitted)."),
        Field("message", .text, "Why it failed (report.failed)."),
    ]

    static let runFields: [Field] = [
        Field("event_id", .text, "The event's id (a run started by it is keyed by it: one run per event and workflow)."),
        Field("type", .text, "The event type."),
        Field("at", .text, "When the run failed (ISO 8601, UTC)."),
        Field("actor", .text, "system:workflows."),
        Field("run_id", .integer(1...Int.max), "The run that failed."),
        Field("workflow_id", .text, "Its workflow."),
        Field("version", .integer(1...Int.max), "The version it ran."),
        Field("trigger", .choice(["api", "event", "manual"]), "What started it."),
        Field("trigger_event_type", .text, "The event that started it, for an event-triggered run."),
        Field("error", .text, "Why it failed."),
    ]

    public static let all: [EventType] = [
        EventType(name: "lookup.completed", summary: "Any lookup, through any API, completed.", fields: lookupFields),
        EventType(name: "match.found", summary: "A lookup, through any API, found at least one match.", fields: lookupFields),
        EventType(name: "case.created", summary: "A case was opened.", fields: caseFields),
        EventType(name: "case.status-updated", summary: "A case moved to another status (a decision).", fields: caseFields),
        EventType(name: "case.escalated", summary: "A case was escalated.", fields: caseFields),
        EventType(name: "case.assigned", summary: "A case was assigned (or unassigned).", fields: caseFields),
        EventType(name: "case.commented", summary: "A comment was added to a case.", fields: caseFields + [Field("text", .text, "The comment.")]),
        EventType(name: "case.evidence-added", summary: "Evidence was added to a case.", fields: caseFields),
        EventType(name: "case.updated", summary: "A case's priority changed.", fields: caseFields),
        EventType(name: "account.created", summary: "An account was created.", fields: accountFields),
        EventType(name: "account.updated", summary: "An account's tags or profile changed.", fields: accountFields),
        EventType(name: "account.status-updated", summary: "An account's status changed (blocking included).", fields: accountFields),
        EventType(name: "account.blocked", summary: "An account was blocked.", fields: accountFields),
        EventType(name: "account.unblocked", summary: "An account was unblocked.", fields: accountFields),
        EventType(name: "report.drafted", summary: "A CyberTipline report was drafted from a case.", fields: reportFields),
        EventType(name: "report.approved", summary: "A report was approved for NCMEC.", fields: reportFields),
        EventType(name: "report.submitted", summary: "NCMEC acknowledged a finished report (its receipt is stored).", fields: reportFields),
        EventType(name: "report.failed", summary: "A report stopped and waits for a person.", fields: reportFields),
        EventType(name: "report.retracted", summary: "A report was retracted.", fields: reportFields),
        EventType(name: "workflow.run.failed", summary: "A workflow run failed (a failure started by another failure starts no run).",
                  fields: runFields),
        EventType(name: "bank.entry-quarantined", summary: "An entry matched too many distinct images and stopped matching until a curator decides.",
                  fields: [Field("bank", .text, "The entry's bank."), Field("entry_id", .integer(1...Int.max), "The entry."),
                           Field("reason", .text, "Why, in words."), Field("limit", .integer(1...Int.max), "The distinct images an hour it went past.")]),
    ]

    public static func event(_ name: String) -> EventType? { all.first { $0.name == name } }
}
