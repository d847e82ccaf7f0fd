import JSONValues

/// Ready workflows an operator starts from.
public enum WorkflowLibrary {
    public static let screenUploadedImageName = "Screen uploaded image"

    /// "Screen uploaded image": an API trigger `{image_url, account_reference_id}` → Match Lookup
    /// (the built-in banks, or PhotoDNA when a credential is given) → when it matched: a case in
    /// the `csam` queue with the matches as evidence and the account linked, the account blocked
    /// (when one was named) pending review, the case's NCMEC CyberTipline report drafted (it
    /// waits for a reporter's approval unless the report settings auto-approve verified
    /// matches), and a signed notification to the webhook credential (when one is given).
    public static func screenUploadedImage(photoDNACredential: String? = nil, webhookCredential: String? = nil) -> WorkflowDefinition {
        let lookup = StepDefinition(
            id: "lookup", name: "Match Lookup", type: "action",
            integration: photoDNACredential == nil ? "vigil" : "photodna", operation: "match_lookup", credential: photoDNACredential,
            // Inline: Vigil fetches the image once and keeps the bytes that matched for the case,
            // whichever provider looks it up (PhotoDNA given a URL would fetch it itself).
            inputs: ["image_url": "{{ trigger.image_url }}", "enhanced_detection": false, "value_format": "Inline", "keep_image": true,
                     "account_reference_id": "{{ trigger.account_reference_id }}"],
            retry: Retry(attempts: 3, backoffSeconds: 2, maxBackoffSeconds: 60))
        var matched: [StepDefinition] = [
            StepDefinition(id: "open_case", name: "Open a case", type: "action", action: "case.create",
                 inputs: ["title": "Known-CSAM match ({{ steps.lookup.output.matches[0].source }})", "queue": "csam", "priority": "urgent",
                          "provider": photoDNACredential == nil ? "vigil" : "photodna", "matches": "{{ steps.lookup.output.matches }}",
                          "image_url": "{{ trigger.image_url }}", "image_sha256": "{{ steps.lookup.output.image_sha256 }}",
                          "account_reference_id": "{{ trigger.account_reference_id }}"],
                 retry: Retry(attempts: 5, backoffSeconds: 2, maxBackoffSeconds: 60)),
            StepDefinition(id: "account_named", name: "Account named?", type: "conditional",
                 branches: [BranchDefinition(name: "block", condition: "exists(trigger.account_reference_id)", steps: [
                     StepDefinition(id: "block_account", name: "Block the account", type: "action", action: "account.block",
                          inputs: ["reference_id": "{{ trigger.account_reference_id }}",
                                   "reason": "uploaded an image matching known CSAM (case {{ steps.open_case.output.case_id }}); pending review"],
                          retry: Retry(attempts: 5, backoffSeconds: 2, maxBackoffSeconds: 60)),
                 ])], otherwise: []),
            StepDefinition(id: "draft_report", name: "Draft the NCMEC report", type: "action", action: "report.draft",
                 inputs: ["case_id": "{{ steps.open_case.output.case_id }}"],
                 retry: Retry(attempts: 5, backoffSeconds: 2, maxBackoffSeconds: 60)),
        ]
        if let webhookCredential {
            matched.append(StepDefinition(
                id: "notify", name: "Notify the Trust & Safety team", type: "action", action: "notify.webhook", credential: webhookCredential,
                inputs: ["event_type": "match.found",
                         "data": ["account_reference_id": "{{ trigger.account_reference_id }}", "image_url": "{{ trigger.image_url }}",
                                  "matches": "{{ steps.lookup.output.matches }}", "tracking_id": "{{ steps.lookup.output.tracking_id }}",
                                  "case_id": "{{ steps.open_case.output.case_id }}"]],
                retry: Retry(attempts: 5, backoffSeconds: 5, maxBackoffSeconds: 300), continueOnError: true))
        }
        return WorkflowDefinition(
            name: screenUploadedImageName,
            description: "Looks an uploaded image up in the known-CSAM hash banks and acts when it matches.",
            trigger: .api([Parameter(name: "image_url", type: "url", required: true, description: "Where the uploaded image can be fetched."),
                           Parameter(name: "account_reference_id", type: "text", description: "Your own id of the uploading account.")]),
            steps: [lookup, StepDefinition(id: "decide", name: "Matched?", type: "conditional",
                                 branches: [BranchDefinition(name: "matched", condition: "steps.lookup.output.is_match", steps: matched)], otherwise: [])])
    }
}
