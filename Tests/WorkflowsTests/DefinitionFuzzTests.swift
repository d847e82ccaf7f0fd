import Foundation
import JSONValues
import Testing
import VigilTestSupport
@testable import Workflows

/// Issue 32: workflow definitions, templates and conditions, mutated (Fuzzing says how). A
/// definition is decoded and validated; a template and a condition are parsed and, when they
/// parse, evaluated on a budget against a run's data. A refusal is an answer; a crash or a
/// hang is a finding.
@Suite struct DefinitionFuzzTests {
    static let data: JSONValue = [
        "trigger": ["account_reference_id": "u-1", "image_url": "https://example.org/a.jpg", "caller": "moderation"],
        "steps": ["lookup": ["output": ["is_match": true, "matches": [["source": "BANK", "distance": 3, "violations": ["A1"]]]]],
                  "decide": ["output": ["branch": "0"]]],
        "event": ["matches": [["bank": "BANK", "distance": 0, "violations": ["A1"]]]],
    ]

    @Test func definitions() async throws {
        let validator = WorkflowValidator(credentials: ["cred_pdna": "photodna", "cred_hook": "webhook"])
        let summary = try await Fuzzing.run("workflow_definition", mutations: 2000) { bytes in
            let definition = try JSONDecoder().decode(WorkflowDefinition.self, from: Data(bytes))
            _ = validator.validate(definition)
        }
        #expect(summary.complete, "\(summary)")
    }

    @Test func templates() async throws {
        let summary = try await Fuzzing.run("template", mutations: 4000) { bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            _ = try Template.parse(text)
            _ = try Template.render(.string(text), with: Self.data)
        }
        #expect(summary.complete, "\(summary)")
    }

    @Test func conditions() async throws {
        let summary = try await Fuzzing.run("condition", mutations: 4000) { bytes in
            let expression = try ExpressionParser.parse(String(decoding: bytes, as: UTF8.self))
            var budget = EvaluationBudget()
            _ = try ExpressionEvaluator.evaluate(expression, in: Self.data, budget: &budget)
        }
        #expect(summary.complete, "\(summary)")
    }
}
