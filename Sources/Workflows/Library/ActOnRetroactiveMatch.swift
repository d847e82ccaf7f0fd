import JSONValues

extension WorkflowLibrary {
    public static let actOnRetroactiveMatchName = "Act on a match found later"

    /// The retroactive branch of "Screen uploaded image": a `match.found` marked retroactive (an
    /// entry added to a bank matched an image screened before it) → a case in the `csam` queue
    /// with the match as evidence and the account the image came from linked, for a reviewer to
    /// decide. The account is not blocked by the workflow: an entry added later reaches back over
    /// every account screened in the retention period, so a person confirms first (an entry
    /// matching more images than the flood limit is quarantined instead of reported). The report
    /// is drafted by a reviewer from the case (the lookup did not keep the image).
    public static func actOnRetroactiveMatch() -> WorkflowDefinition {
        let retry = Retry(attempts: 5, backoffSeconds: 2, maxBackoffSeconds: 60)
        return WorkflowDefinition(
            name: actOnRetroactiveMatchName,
            description: "Opens a case for the account when an entry added to a bank matches an image screened earlier.",
            trigger: .event(["match.found"], condition: "trigger.retroactive == true"),
            steps: [
                StepDefinition(id: "open_case", name: "Open a case", type: "action", action: "case.create",
                               inputs: ["title": "Known-CSAM match found later ({{ trigger.matches[0].bank }})", "queue": "csam", "priority": "urgent",
                                        "provider": "vigil", "matches": "{{ trigger.matches }}",
                                        // The screened image's signals: the evidence its verdict is checked against.
                                        "pdq": "{{ trigger.pdq }}", "md5": "{{ trigger.md5 }}", "sha256": "{{ trigger.sha256 }}",
                                        "account_reference_id": "{{ trigger.account_reference_id }}"],
                               retry: retry),
            ])
    }
}
