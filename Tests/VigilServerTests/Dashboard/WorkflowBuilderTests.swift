import JSONValues
import Testing
@testable import VigilServer
import Workflows

/// The builder's edits: a step lands where the form said (the end, a branch, an else), a
/// removed step is gone wherever it was, form values become typed inputs, and validation
/// issues name the form's controls.
@Suite struct WorkflowBuilderTests {
    static let conditional = StepDefinition(id: "decide", type: "conditional", branches: [BranchDefinition(name: "hit", condition: "steps.lookup.output.is_match", steps: [])],
                                  otherwise: [])

    @Test func stepsGoWhereTheFormSays() {
        var steps = [StepDefinition(id: "lookup", type: "action", action: "bank.add"), Self.conditional]
        #expect(WorkflowBuilder.insert(StepDefinition(id: "a", type: "action"), at: .init("decide#0"), into: &steps))
        #expect(WorkflowBuilder.insert(StepDefinition(id: "b", type: "action"), at: .init("decide#else"), into: &steps))
        #expect(WorkflowBuilder.insert(StepDefinition(id: "c", type: "action"), at: .init("top"), into: &steps))
        #expect(!WorkflowBuilder.insert(StepDefinition(id: "d", type: "action"), at: .init("missing#0"), into: &steps))
        #expect(steps.map(\.id) == ["lookup", "decide", "c"])
        #expect(steps[1].branches?.first?.steps.map(\.id) == ["a"])
        #expect(steps[1].otherwise?.map(\.id) == ["b"])
        #expect(WorkflowBuilder.remove("a", from: &steps))
        #expect(steps[1].branches?.first?.steps.isEmpty == true)
        #expect(!WorkflowBuilder.remove("a", from: &steps))
    }

    @Test func formValuesBecomeTypedInputsAndTemplatesStayText() throws {
        let declaration = try #require(ActionCatalog.declaration("photodna.match_lookup"))
        let fields = FormFields("in_enhanced_detection=true&in_value_format=URL&in_image_url=%7B%7B+trigger.image_url+%7D%7D&step_id=pdna")
        let step = WorkflowBuilder.actionStep(id: "pdna", name: nil, declaration: declaration, credential: "cred_1", fields: fields)
        #expect(step.integration == "photodna")
        #expect(step.operation == "match_lookup")
        #expect(step.inputs?["enhanced_detection"] == .bool(true))
        #expect(step.inputs?["image_url"] == .string("{{ trigger.image_url }}"))
        #expect(step.inputs?["value_format"] == .string("URL"))
        #expect(WorkflowBuilder.value("7", kind: .integer(1...9)) == .number(7))
        #expect(WorkflowBuilder.value("{{ steps.a.output.n }}", kind: .integer(1...9)) == .string("{{ steps.a.output.n }}"))
    }

    @Test func issuesNameTheFormsControls() {
        #expect(WorkflowBuilder.formField(ValidationIssue(step: "s", field: "inputs.image_url", message: "")) == "in_image_url")
        #expect(WorkflowBuilder.formField(ValidationIssue(step: "s", field: "branches[1].condition", message: "")) == "condition_1")
        #expect(WorkflowBuilder.formField(ValidationIssue(step: "s", field: "id", message: "")) == "id")
    }

    @Test func theVariablesOfferedAreTheTriggersAndEarlierOutputs() {
        let definition = WorkflowDefinition(name: "w", trigger: .api([Parameter(name: "image_url", type: "string")]),
                                            steps: [StepDefinition(id: "lookup", type: "action", integration: "vigil", operation: "match_lookup")])
        let variables = WorkflowBuilder.variables(definition)
        #expect(variables.contains("{{ trigger.image_url }}"))
        #expect(variables.contains("{{ steps.lookup.output.is_match }}"))
    }
}
