import FuzzTargets
import Testing
import VigilTestSupport

/// Issue 32: workflow definitions, templates and conditions, mutated (Fuzzing says how;
/// FuzzTargets holds the bodies). A definition is decoded and validated; a template and a
/// condition are parsed and, when they parse, evaluated on a budget against a run's data. A
/// refusal is an answer; a crash or a hang is a finding.
@Suite struct DefinitionFuzzTests {
    @Test(arguments: [("workflow_definition", 2000), ("template", 4000), ("condition", 4000)])
    func workflowParts(target: String, mutations: Int) async throws {
        let body = try #require(FuzzTargets.all[target])
        let summary = try await Fuzzing.run(target, mutations: mutations, body)
        #expect(summary.complete, "\(summary)")
    }
}
