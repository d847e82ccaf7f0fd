/// Every integration Vigil knows, declared once. The API lists these; credentials are checked
/// against them; the workflow steps of the next issue will read their operations.
public enum Integrations {
    public static let catalogue: [Integration] = [photoDNA, vigil, ncmecHashSharing, ncmecCyberTipline, vigilRemote, webhook, slack, teams]

    /// The chat services a team is told in (`notify.chat` steps, webhook subscriptions): each
    /// credential is an incoming-webhook URL, whose path is its token.
    public static let chatIntegrations = ["slack", "teams"]

    public static func integration(_ id: String) -> Integration? {
        catalogue.first { $0.id == id }
    }

    /// The answer of a match lookup, the same whichever provider gave it, so a workflow switches
    /// provider by changing one field.
    static let matchLookupOutputs: [Field] = [
        Field("is_match", .boolean, "Whether any match was found.", required: true),
        Field("matches", .list(.object([
            Field("source", .text, "Where the matching signature came from (a bank, or PhotoDNA's source)."),
            Field("violations", .list(.text), "Classifications of the matching signature."),
            Field("distance", .integer(0...256), "Hamming distance of the match, where the provider reports one."),
            Field("match_id", .text, "The provider's id of the matching signature or entry."),
        ])), "Every match."),
        Field("suppressed", .list(.object([
            Field("source", .text, "The bank of the suppressed match."),
            Field("match_id", .text, "The suppressed entry."),
            Field("distance", .integer(0...256), "Its distance to the image."),
            Field("suppressed_by", .object([
                Field("source", .text, "The allow bank."),
                Field("match_id", .text, "The allow entry that suppressed the match."),
                Field("distance", .integer(0...256), "Its distance to the image (strictly smaller, or the very signal)."),
            ]), "The allow entry that suppressed it."),
        ])), "Matches an allow entry suppressed (built-in banks only; PhotoDNA has no allow lists)."),
        Field("tracking_id", .text, "The provider's id of this request."),
        Field("status_code", .integer(0...99_999), "The provider's status code (PhotoDNA's 3000 = OK)."),
        Field("status_description", .text, "The provider's status in words."),
        Field("raw", .object([]), "The provider's answer as it came."),
        Field("image_sha256", .text, "With keep_image, on a match: the SHA-256 of the very bytes that matched, kept with the run for a case "
              + "step's evidence (its image_sha256). Null otherwise, in a test run, and for PhotoDNA given a URL (PhotoDNA fetched it, not Vigil)."),
    ]

    static let matchLookupInputs: [Field] = [
        Field("enhanced_detection", .boolean, "Also look for mirrored and rotated copies (slower).", default: "false"),
        Field("value_format", .choice(["URL", "Inline"]), "Send the image's URL, or the image itself.", default: "URL"),
        Field("image_url", .url, "The image to look up (for URL; fetched by Vigil for Inline)."),
        Field("image", .bytes, "The image itself, for Inline without a URL."),
        Field("keep_image", .boolean, "On a match, keep the bytes that matched with the run (output image_sha256), encrypted with the evidence "
              + "files for as long as a false positive's are, for a case step's evidence. Vigil has them with the built-in banks and "
              + "with PhotoDNA Inline; PhotoDNA given a URL fetches the image itself.", default: "false"),
        Field("account_reference_id", .text,
              "The uploading account's own id: kept with what the built-in banks screened, so a match found later is acted on for it."),
    ]

    public static let photoDNA = Integration(
        id: "photodna", name: "Microsoft PhotoDNA Cloud Service",
        summary: "Matches images against the known-CSAM signatures Microsoft holds (the Match API).",
        credentialFields: [
            Field("nickname", .text, "A name to recognise the credential by.", required: true),
            Field("endpoint", .url, "The Match API's base URL (one not on Microsoft's host needs an admin and the operator's leave).",
                  default: "https://api.microsoftmoderator.com/photodna/v1.0", bindsSecrets: true),
            Field("subscription_key", .text, "The Ocp-Apim-Subscription-Key from the PhotoDNA portal.", required: true, secret: true),
            Field("requests_per_second", .integer(1...1000), "Calls this credential may make per second, shared by everything that uses it.",
                  default: "5"),
        ],
        operations: [Integration.Operation(id: "match_lookup", summary: "Hash an image and compare it with PhotoDNA's signatures.",
                                           inputs: matchLookupInputs, outputs: matchLookupOutputs)],
        serviceOrigins: ["https://api.microsoftmoderator.com"])

    public static let vigil = Integration(
        id: "vigil", name: "Vigil banks",
        summary: "This server's own hash banks, through its lookup service: no credential, no network.",
        credentialFields: [],
        operations: [
            Integration.Operation(id: "match_lookup", summary: "Hash an image and compare it with the banks.",
                                  inputs: matchLookupInputs + [Field("banks", .list(.text), "Only these banks (default: all enabled).")],
                                  outputs: matchLookupOutputs),
            Integration.Operation(id: "hash", summary: "Hash an image: PDQ, its quality, MD5, SHA-256.",
                                  inputs: [Field("image_url", .url, "The image."), Field("image", .bytes, "The image itself.")],
                                  outputs: [Field("pdq", .text, "PDQ hash, 64 hex digits."), Field("pdq_quality", .integer(0...100), "PDQ quality."),
                                            Field("md5", .text, "MD5, 32 hex digits."), Field("sha256", .text, "SHA-256, 64 hex digits.")]),
        ])

    static let ncmecCredentialFields: [Field] = [
        Field("nickname", .text, "A name to recognise the credential by.", required: true),
        Field("environment", .choice(["test", "production"]), "NCMEC's test or production service.", default: "test", bindsSecrets: true),
        Field("username", .text, "The account's user name.", required: true, bindsSecrets: true),
        Field("password", .text, "The account's password.", required: true, secret: true),
        Field("endpoint", .url, "A base URL instead of the environment's: another of NCMEC's lists (anywhere else needs an admin and the operator's leave).",
              bindsSecrets: true),
    ]

    /// NCMEC's own hosts: the CyberTipline and hash sharing, test and production, and the
    /// hash-sharing lists HMA names (python-threatexchange's NCMECEnvironment).
    static let ncmecOrigins = ["https://report.cybertip.org", "https://exttest.cybertip.org", "https://lesp.ncmec.org", "https://hashsharing.ncmec.org"]

    public static let ncmecHashSharing = Integration(
        id: "ncmec_hash_sharing", name: "NCMEC Hash Sharing",
        summary: "Pulls NCMEC's shared hash list (Hash Sharing API v2) into a bank, incrementally.",
        credentialFields: ncmecCredentialFields,
        operations: [Integration.Operation(id: "sync", summary: "Bring a bank up to date with the shared list.",
                                           inputs: [Field("bank", .text, "The bank to fill.", required: true)],
                                           outputs: [Field("added", .integer(0...Int.max), "Entries added."),
                                                     Field("removed", .integer(0...Int.max), "Entries withdrawn.")])],
        serviceOrigins: ncmecOrigins)

    public static let ncmecCyberTipline = Integration(
        id: "ncmec_cybertipline", name: "NCMEC CyberTipline",
        summary: "Reports apparent child sexual abuse material to NCMEC (its operations come with reporting).",
        credentialFields: ncmecCredentialFields,
        operations: [],
        serviceOrigins: ncmecOrigins)

    public static let vigilRemote = Integration(
        id: "vigil_remote", name: "Another Vigil",
        summary: "Follows a bank of another organisation's Vigil through its change export, so two organisations share a list without a third party.",
        credentialFields: [
            Field("nickname", .text, "A name to recognise the credential by.", required: true),
            Field("endpoint", .url, "The other Vigil's base URL (https://vigil.example.org).", required: true, bindsSecrets: true),
            Field("api_key", .text, "An API key the other Vigil issued (the matcher role is enough).", required: true, secret: true),
        ],
        operations: [Integration.Operation(id: "sync", summary: "Bring a bank up to date with the other Vigil's bank.",
                                           inputs: [Field("bank", .text, "The bank to fill.", required: true),
                                                    Field("remote_bank", .text, "The other Vigil's bank.", required: true)],
                                           outputs: [Field("added", .integer(0...Int.max), "Entries added."),
                                                     Field("removed", .integer(0...Int.max), "Entries withdrawn.")])])

    public static let webhook = Integration(
        id: "webhook", name: "Webhook",
        summary: "Posts an event to a URL, signed with a shared secret.",
        credentialFields: [
            Field("nickname", .text, "A name to recognise the credential by.", required: true),
            Field("url", .url, "Where events are posted.", required: true, bindsSecrets: true),
            Field("signing_secret", .text, "Signs each delivery (HMAC-SHA256), so the receiver can check it came from Vigil.",
                  required: true, secret: true),
        ],
        operations: [Integration.Operation(id: "deliver", summary: "Post an event.",
                                           inputs: [Field("event", .object([]), "The event.", required: true)],
                                           outputs: [Field("status", .integer(100...599), "The receiver's HTTP status.")])])

    /// An incoming webhook's URL is its only secret (anyone holding it can post to the channel),
    /// and it is only ever sent to itself: so it may point wherever the user says (a Mattermost
    /// or Rocket.Chat hook takes Slack's format), under the outbound gate's address rules.
    static func chatWebhookURL(_ help: String) -> Field {
        Field("webhook_url", .url, help, required: true, secret: true)
    }

    public static let slack = Integration(
        id: "slack", name: "Slack",
        summary: "Tells a Slack channel (or a Mattermost one: it takes Slack's format) through an incoming webhook: notify.chat steps and webhook subscriptions.",
        credentialFields: [
            Field("nickname", .text, "A name to recognise the credential by (#trust-safety-oncall).", required: true),
            chatWebhookURL("The incoming webhook's URL (https://hooks.slack.com/services/…), from the Slack app's Incoming Webhooks page."),
        ],
        operations: [])

    public static let teams = Integration(
        id: "teams", name: "Microsoft Teams",
        summary: "Tells a Teams channel through an incoming webhook (a Workflows \"post to a channel when a webhook request is received\" URL): notify.chat steps and webhook subscriptions.",
        credentialFields: [
            Field("nickname", .text, "A name to recognise the credential by (T&S on-call).", required: true),
            chatWebhookURL("The webhook's URL, from the channel's Workflows (or its incoming-webhook connector)."),
        ],
        operations: [])
}
