import JSONValues
import Testing
import Workflows

@Suite struct ValidatorTests {
    let validator = WorkflowValidator(credentials: ["cred_pdna": "photodna", "cred_hook": "webhook"])

    func definition(_ steps: [StepDefinition], trigger: Trigger = .api([Parameter(name: "image_url", type: "url", required: true)])) -> WorkflowDefinition {
        WorkflowDefinition(name: "test", trigger: trigger, steps: steps)
    }

    let lookup = StepDefinition(id: "lookup", type: "action", integration: "vigil", operation: "match_lookup", inputs: ["image_url": "{{ trigger.image_url }}"])

    func issues(_ steps: [StepDefinition], trigger: Trigger? = nil) -> [ValidationIssue] {
        validator.validate(trigger.map { definition(steps, trigger: $0) } ?? definition(steps))
    }

    @Test func theTemplateIsValid() {
        #expect(validator.validate(WorkflowLibrary.screenUploadedImage()) == [])
        #expect(validator.validate(WorkflowLibrary.screenUploadedImage(photoDNACredential: "cred_pdna", webhookCredential: "cred_hook")) == [])
    }

    @Test func unknownStepTypeNamesTheStep() throws {
        let found = issues([StepDefinition(id: "wait_a_bit", type: "wait")])
        let issue = try #require(found.first)
        #expect(issue.step == "wait_a_bit")
        #expect(issue.field == "type")
        #expect(issue.message.contains("unknown step type \"wait\""))
    }

    /// A step is typed (`Step`): a field its type does not take is named, never silently dropped
    /// (a conditional carrying an action and inputs used to pass, and they did nothing).
    @Test func aFieldTheStepsTypeDoesNotTakeIsNamed() throws {
        let found = issues([lookup, StepDefinition(id: "decide", type: "conditional", action: "bank.add", inputs: ["bank": "KEPT"],
                                                   branches: [BranchDefinition(condition: "steps.lookup.output.is_match", steps: [])])])
        #expect(found.contains { $0.step == "decide" && $0.field == "action" && $0.message.contains("a conditional step takes no action") })
        #expect(found.contains { $0.step == "decide" && $0.field == "inputs" && $0.message.contains("a conditional step takes no inputs") })
        let parallel = issues([StepDefinition(id: "both", type: "parallel", credential: "cred_pdna", branches: [BranchDefinition(steps: [lookup])])])
        #expect(parallel.map(\.field) == ["credential"], "\(parallel)")
        // What the engine runs is made the same way, and refuses the same definitions.
        #expect(throws: WorkflowInvalid.self) { try Step.plan([StepDefinition(id: "decide", type: "conditional", inputs: [:], branches: [])]) }
        let planned = try Step.plan([lookup])
        guard case let .action(action)? = planned.first?.kind else { Issue.record("\(planned)"); return }
        #expect(action.key == "vigil.match_lookup" && action.integration == "vigil")
    }

    /// A malformed step still has every other issue reported, at the right place: a branch
    /// without a condition keeps its index and its steps are checked; an action that names no
    /// operation still has its retry checked and stays visible to later steps (the review of
    /// issue 29 found both lost when steps were first typed).
    @Test func aMalformedStepLosesNoOtherIssue() {
        let found = issues([lookup,
                            StepDefinition(id: "decide", type: "conditional", branches: [
                                BranchDefinition(steps: [StepDefinition(id: "inner", type: "action", action: "no.such")]),
                                BranchDefinition(condition: "trigger.image_url == 3", steps: [])]),
                            StepDefinition(id: "hash", type: "action", integration: "vigil", retry: Retry(attempts: 50)),
                            StepDefinition(id: "after", type: "conditional",
                                           branches: [BranchDefinition(condition: "steps.hash.status == \"succeeded\"", steps: [])])])
        #expect(found.contains { $0.step == "decide" && $0.field == "branches[0].condition" && $0.message.contains("needs a condition") }, "\(found)")
        #expect(found.contains { $0.step == "decide" && $0.field == "branches[1].condition" }, "\(found)")
        #expect(found.contains { $0.step == "inner" && $0.field == "action" && $0.message.contains("unknown action \"no.such\"") }, "\(found)")
        #expect(found.contains { $0.step == "hash" && $0.field == "operation" }, "\(found)")
        #expect(found.contains { $0.step == "hash" && $0.field == "retry.attempts" }, "\(found)")
        #expect(!found.contains { $0.step == "after" }, "\(found)")
    }

    @Test func unknownIntegrationAndOperation() {
        let found = issues([StepDefinition(id: "a", type: "action", integration: "photodnaa", operation: "match_lookup"),
                            StepDefinition(id: "b", type: "action", integration: "photodna", operation: "match", credential: "cred_pdna")])
        #expect(found.contains { $0.step == "a" && $0.field == "integration" && $0.message.contains("unknown integration \"photodnaa\"") })
        #expect(found.contains { $0.step == "b" && $0.field == "operation" && $0.message.contains("has no operation \"match\"") })
    }

    @Test func templatesNamingMissingStepsOrFields() {
        let found = issues([lookup,
                            StepDefinition(id: "add", type: "action", action: "bank.add",
                                 inputs: ["bank": "X", "pdq": "{{ steps.lokup.output.pdq }}", "note": "{{ trigger.imageurl }}"])])
        #expect(found.contains { $0.step == "add" && $0.field == "inputs.pdq" && $0.message.contains("no step lokup has run before this one") })
        #expect(found.contains { $0.step == "add" && $0.field == "inputs.note" && $0.message.contains("the trigger has no field imageurl") })
        // A step cannot read one that comes after it.
        let later = issues([StepDefinition(id: "first", type: "action", action: "bank.add", inputs: ["bank": "X", "pdq": "{{ steps.lookup.output.raw }}"]), lookup])
        #expect(later.contains { $0.step == "first" && $0.message.contains("no step lookup has run before this one") })
    }

    @Test func conditionTypeMismatch() {
        let found = issues([lookup, StepDefinition(id: "decide", type: "conditional",
                                         branches: [BranchDefinition(condition: "steps.lookup.output.is_match == 'yes'", steps: [])])])
        #expect(found.contains { $0.step == "decide" && $0.field == "branches[0].condition" && $0.message.contains("can never be equal") })
    }

    /// PhotoDNA given a URL fetches the image itself: keeping the matched image needs Inline.
    @Test func keepingTheImageWithPhotoDNANeedsInline() {
        func lookup(_ format: String?) -> StepDefinition {
            var inputs: [String: JSONValue] = ["image_url": "{{ trigger.image_url }}", "keep_image": true]
            if let format { inputs["value_format"] = .string(format) }
            return StepDefinition(id: "lookup", type: "action", integration: "photodna", operation: "match_lookup", credential: "cred_x", inputs: inputs)
        }
        for format in [nil, "URL"] {
            #expect(issues([lookup(format)]).contains { $0.field == "inputs.keep_image" && $0.message.contains("needs value_format Inline") })
        }
        #expect(!issues([lookup("Inline")]).contains { $0.field == "inputs.keep_image" })
    }

    @Test func inputTypesAndRequiredInputs() {
        let found = issues([StepDefinition(id: "lookup", type: "action", integration: "vigil", operation: "match_lookup",
                                 inputs: ["image_url": "not a url", "enhanced_detection": "yes", "value_format": "Hash", "colour": "red"])])
        #expect(found.contains { $0.field == "inputs.image_url" && $0.message.contains("not an http or https URL") })
        #expect(found.contains { $0.field == "inputs.enhanced_detection" && $0.message.contains("takes boolean") })
        #expect(found.contains { $0.field == "inputs.value_format" && $0.message.contains("not one of URL, Inline") })
        #expect(found.contains { $0.field == "inputs.colour" && $0.message.contains("takes no input colour") })
        let missing = issues([StepDefinition(id: "add", type: "action", action: "bank.add", inputs: ["pdq": "{{ trigger.image_url }}"])])
        #expect(missing.contains { $0.step == "add" && $0.field == "inputs.bank" && $0.message.contains("needs bank") })
        let typed = issues([lookup, StepDefinition(id: "add", type: "action", action: "bank.add", inputs: ["bank": "{{ steps.lookup.output.is_match }}", "pdq": "x"])])
        #expect(typed.contains { $0.field == "inputs.bank" && $0.message.contains("is boolean, but this input takes text") })
    }

    @Test func credentials() {
        let found = issues([StepDefinition(id: "a", type: "action", integration: "photodna", operation: "match_lookup", inputs: ["image_url": "{{ trigger.image_url }}"]),
                            StepDefinition(id: "b", type: "action", integration: "photodna", operation: "match_lookup", credential: "cred_hook",
                                 inputs: ["image_url": "{{ trigger.image_url }}"]),
                            StepDefinition(id: "c", type: "action", integration: "photodna", operation: "match_lookup", credential: "cred_gone",
                                 inputs: ["image_url": "{{ trigger.image_url }}"])])
        #expect(found.contains { $0.step == "a" && $0.field == "credential" && $0.message.contains("needs a photodna credential") })
        #expect(found.contains { $0.step == "b" && $0.message.contains("is for webhook") })
        #expect(found.contains { $0.step == "c" && $0.message.contains("no credential cred_gone") })
    }

    @Test func caseAndReportActionsAreCheckedLikeAnyAction() {
        let found = issues([StepDefinition(id: "open_case", type: "action", action: "case.create"), StepDefinition(id: "report", type: "action", action: "report.draft")])
        // case.create and report.draft are checked like any action (their required inputs).
        #expect(found.contains { $0.step == "open_case" && $0.message.contains("title") })
        #expect(!found.contains { $0.message.contains("not available") })
        #expect(found.contains { $0.step == "report" && $0.message.contains("case_id") })
        let unknown = issues([StepDefinition(id: "x", type: "action", action: "case.explode")])
        #expect(unknown.contains { $0.step == "x" && $0.message.contains("unknown action \"case.explode\"") })
    }

    @Test func idsTriggersAndBranches() {
        let found = issues([lookup, StepDefinition(id: "lookup", type: "action", integration: "vigil", operation: "hash", inputs: ["image_url": "{{ trigger.image_url }}"]),
                            StepDefinition(id: "Bad-Id", type: "parallel", branches: [])],
                           trigger: Trigger(type: "event", events: ["case.exploded"]))
        #expect(found.contains { $0.step == "lookup" && $0.message.contains("another step has the id lookup") })
        #expect(found.contains { $0.step == "Bad-Id" && $0.field == "id" })
        #expect(found.contains { $0.step == "Bad-Id" && $0.message.contains("at least one branch") })
        #expect(found.contains { $0.step == nil && $0.field == "trigger.events" && $0.message.contains("unknown event type \"case.exploded\"") })
        // An event trigger's payload is typed: its condition and templates are checked against it.
        let event = issues([StepDefinition(id: "add", type: "action", action: "bank.add", inputs: ["bank": "SEEN", "pdq": "{{ trigger.pdq }}"])],
                           trigger: .event(["match.found"], condition: "trigger.api == 'photodna' and trigger.colour == 1"))
        #expect(event.count == 1)
        #expect(event.first?.field == "trigger.condition")
        #expect(event.first?.message.contains("has no field colour") == true)
    }
}
