public import Integrations

/// What an action step can do: every integration operation of the catalogue
/// (`photodna.match_lookup`, `vigil.match_lookup`, …) and the built-in actions, each with its
/// declared inputs and outputs. The validator checks steps against these declarations; the
/// dashboard builds its forms from them.
public struct ActionDeclaration: Sendable {
    /// `integration.operation`, or a built-in's name (`bank.add`).
    public let key: String
    public let summary: String
    public let inputs: [Field]
    public let outputs: [Field]
    /// The integrations whose credential the step may name (empty: none needed).
    public let credentialIntegrations: [String]
    /// The first of them (the one the API has always named).
    public var credentialIntegration: String? { credentialIntegrations.first }
    /// Whether running it twice would do something twice: such a step is given an idempotency
    /// key that its performer honours.
    public let hasSideEffects: Bool
    /// Why a declared action cannot be used yet (its subsystem is not built); nil when it can.
    public let unavailable: String?
    /// At least one of these inputs must be given (match_lookup: image_url or image).
    public let oneOf: [String]

    init(key: String, summary: String, inputs: [Field], outputs: [Field], credentialIntegration: String? = nil, credentialIntegrations: [String] = [],
         hasSideEffects: Bool, unavailable: String? = nil, oneOf: [String] = []) {
        self.key = key
        self.summary = summary
        self.inputs = inputs
        self.outputs = outputs
        self.credentialIntegrations = credentialIntegration.map { [$0] } ?? credentialIntegrations
        self.hasSideEffects = hasSideEffects
        self.unavailable = unavailable
        self.oneOf = oneOf
    }
}

public enum ActionCatalog {
    /// Built-in actions, then every integration operation.
    public static let all: [ActionDeclaration] = builtIns + Integrations.catalogue.flatMap { integration in
        integration.operations.map { operation in
            ActionDeclaration(
                key: "\(integration.id).\(operation.id)", summary: operation.summary, inputs: operation.inputs, outputs: operation.outputs,
                credentialIntegration: integration.needsCredential ? integration.id : nil,
                hasSideEffects: operation.id != "match_lookup" && operation.id != "hash",
                unavailable: operation.id == "sync" ? "a hash list is synced by its bank's source (vigil bank source), not by a workflow step" : nil,
                oneOf: operation.inputs.contains { $0.name == "image_url" } ? ["image_url", "image"] : [])
        }
    }

    public static func declaration(_ key: String) -> ActionDeclaration? { all.first { $0.key == key } }

    public static let builtIns: [ActionDeclaration] = [
        ActionDeclaration(
            key: "bank.add", summary: "Add an image's signals to a bank (an image URL, or the signals themselves).",
            inputs: [
                Field("bank", .text, "The bank to add to.", required: true),
                Field("image_url", .url, "The image, fetched and hashed by Vigil."),
                Field("pdq", .text, "A PDQ hash, 64 hex digits."),
                Field("md5", .text, "An MD5, 32 hex digits."),
                Field("sha256", .text, "A SHA-256, 64 hex digits."),
                Field("note", .text, "A note stored with the entry."),
            ],
            outputs: [Field("added", .boolean, "Whether a new entry was stored (false: the bank held these signals already)."),
                      Field("bank", .text, "The bank.")],
            hasSideEffects: true, oneOf: ["image_url", "pdq", "md5", "sha256"]),
        ActionDeclaration(
            key: "notify.webhook", summary: "Post a signed notification to the webhook of the step's credential.",
            inputs: [
                Field("event_type", .text, "The notification's type.", default: "workflow.notification"),
                Field("data", .object([]), "What to send.", required: true),
            ],
            outputs: [Field("status", .integer(100...599), "The receiver's HTTP status."), Field("delivery_id", .text, "The delivery's id.")],
            credentialIntegration: "webhook", hasSideEffects: true),
        ActionDeclaration(
            key: "notify.chat",
            summary: "Tell a Slack or Teams channel, in words, with links back to the case, the account and the run (never an image or a whole hash).",
            inputs: [
                Field("message", .text, "What to say: a template, such as Case {{ steps.open_case.output.case_id }} needs a reviewer.", required: true),
                Field("title", .text, "The message's first line.", default: "Vigil"),
                Field("case_id", .integer(1...Int.max), "A case to link to."),
                Field("account_id", .integer(1...Int.max), "An account to link to."),
            ],
            outputs: [Field("status", .integer(100...599), "The chat service's HTTP status."),
                      Field("linked", .boolean, "Whether the message carries links (public_url is set).")],
            credentialIntegrations: Integrations.chatIntegrations, hasSideEffects: true),
    ] + caseActions + accountActions
        + [ActionDeclaration(
            key: "report.draft",
            summary: "Draft the NCMEC CyberTipline report of a case (approved by itself only when the report settings allow it and every file matched a verified bank).",
            inputs: [
                caseID,
                Field("incident_type", .text, "The incident type, as NCMEC names it.", default: "Child Pornography (possession, manufacture, and distribution)"),
                Field("classification", .choice(["A1", "A2", "B1", "B2"]), "The industry classification of every file (else each file's bank's category)."),
                Field("escalate", .text, "A reason to escalate the report to high priority at NCMEC."),
                Field("additional_info", .text, "Added to the report's additional information."),
            ],
            outputs: [Field("report_id", .integer(1...Int.max), "The report."), Field("state", .text, "Its state (draft, or approved when auto-approved)."),
                      Field("created", .boolean, "Whether this step drafted it (false: the case had a report already)."),
                      Field("auto_approved", .boolean, "Whether it was approved without a person.")],
            hasSideEffects: true)]
}

extension ActionCatalog {
    static let caseOutputs: [Field] = [
        Field("case_id", .integer(1...Int.max), "The case."),
        Field("status", .text, "Its status now."),
        Field("version", .integer(1...Int.max), "Its version now."),
        Field("assignee", .text, "Who it is assigned to."),
    ]
    static let caseID = Field("case_id", .integer(1...Int.max), "The case, such as {{ steps.open_case.output.case_id }}.", required: true)
    static let evidenceInputs: [Field] = [
        Field("matches", .list(.object([])), "The matches of a match lookup ({{ steps.lookup.output.matches }}): one evidence item each."),
        Field("provider", .text, "Who matched: vigil (the built-in banks) or photodna.", default: "vigil"),
        Field("image_url", .url, "The image: kept as the evidence's source, and hashed when no signals are given."),
        Field("image_sha256", .text, "The image a match lookup of this run matched ({{ steps.lookup.output.image_sha256 }}): "
              + "hashed and kept instead of fetching image_url again."),
        Field("keep_image", .boolean, "Keep the image itself, encrypted, for review (blurred previews, recorded reveals).", default: "true"),
        Field("pdq", .text, "The image's PDQ hash."),
        Field("md5", .text, "The image's MD5."),
        Field("sha256", .text, "The image's SHA-256."),
    ]

    static let caseActions: [ActionDeclaration] = [
        ActionDeclaration(
            key: "case.create", summary: "Open a case with the matches as evidence, linked to the uploading account.",
            inputs: [Field("title", .text, "The case's title.", required: true),
                     Field("queue", .text, "The review queue.", default: "default"),
                     Field("priority", .choice(["low", "normal", "high", "urgent"]), "Its priority.", default: "normal"),
                     Field("template", .text, "The case template.", default: "default"),
                     Field("assignee", .text, "Who reviews it."),
                     Field("account_reference_id", .text, "The uploading account's id on the platform (created if new)."),
                     Field("fields", .object([]), "The template's own fields.")] + evidenceInputs,
            outputs: caseOutputs + [Field("created", .boolean, "False when this step had opened it already.")], hasSideEffects: true),
        ActionDeclaration(key: "case.add_evidence", summary: "Add evidence to a case.", inputs: [caseID] + evidenceInputs, outputs: caseOutputs,
                          hasSideEffects: true),
        ActionDeclaration(key: "case.escalate", summary: "Escalate a case.", inputs: [caseID, Field("note", .text, "Why.")], outputs: caseOutputs,
                          hasSideEffects: true),
        ActionDeclaration(key: "case.assign", summary: "Assign a case (no assignee: unassign).", inputs: [caseID, Field("assignee", .text, "Who.")],
                          outputs: caseOutputs, hasSideEffects: true),
        ActionDeclaration(key: "case.set_status", summary: "Move a case to a status of its template.",
                          inputs: [caseID, Field("status", .text, "The status.", required: true), Field("note", .text, "Why.")],
                          outputs: caseOutputs, hasSideEffects: true),
    ]

    static let accountOutputs: [Field] = [
        Field("account_id", .integer(1...Int.max), "The account."),
        Field("status", .text, "Its status now."),
        Field("created", .boolean, "Whether this step created it."),
        Field("tags", .list(.text), "Its tags now."),
    ]
    static let accountReference = Field("reference_id", .text, "The account's id on the platform (created if new).", required: true)

    static let accountActions: [ActionDeclaration] = [
        ActionDeclaration(key: "account.upsert", summary: "Find or create an account by the platform's own id.",
                          inputs: [accountReference, Field("screen_name", .text, "Its screen name."), Field("email", .text, "Its email address.")],
                          outputs: accountOutputs, hasSideEffects: true),
        ActionDeclaration(key: "account.block", summary: "Block an account, with a reason (reversible by a reviewer).",
                          inputs: [accountReference, Field("reason", .text, "Why: kept with the block and in its history.", required: true)],
                          outputs: accountOutputs, hasSideEffects: true),
        ActionDeclaration(key: "account.tag", summary: "Tag an account.",
                          inputs: [accountReference, Field("tags", .list(.text), "Tags to add.", required: true)], outputs: accountOutputs, hasSideEffects: true),
    ]
}
