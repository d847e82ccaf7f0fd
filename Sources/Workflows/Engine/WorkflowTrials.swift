public import JSONValues

/// Tries a draft without publishing it or writing anything (the builder's "Test run").
public protocol WorkflowTrials: Sendable {
    func tryOut(_ definition: WorkflowDefinition, input: [String: JSONValue]) async throws -> [TrialStep]
}

extension WorkflowEngine: WorkflowTrials {}
