import JSONValues

extension WorkflowLibrary {
    public static let actOnRetroactiveMatchName = "Act on a match found later"

    /// The retroactive branch of "Screen uploaded image": a `match.found` marked retroactive (an
    /// entry added to a bank matched an image screened before it) → a case in the `csam` queue
    /// with the match as evidence and the account the image came from linked, and the account
    /// blocked pending review when the lookup named it. The report is drafted by a reviewer from
    /// the case (the image itself was not kept by the lookup).
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
                                        "account_reference_id": "{{ trigger.account_reference_id }}"],
                               retry: retry),
                StepDefinition(id: "account_named", name: "Account named?", type: "conditional",
                               branches: [BranchDefinition(name: "block", condition: "exists(trigger.account_reference_id)", steps: [
                                   StepDefinition(id: "block_account", name: "Block the account", type: "action", action: "account.block",
                                                  inputs: ["reference_id": "{{ trigger.account_reference_id }}",
                                                           "reason": "an image it uploaded matches known CSAM added later (case {{ steps.open_case.output.case_id }}); pending review"],
                                                  retry: retry),
                               ])], otherwise: []),
            ])
    }
}
