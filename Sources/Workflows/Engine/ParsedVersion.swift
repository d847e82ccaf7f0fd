import Foundation
public import JSONValues
import Synchronization

/// A published version as the engine runs it: its steps typed (`Step`), and its expressions
/// each parsed once (every branch condition and every templated input text, by its text). The
/// engine parses a version the first time it runs one of its runs in this process and keeps it
/// (versions never change once published); the version was checked when it was published, so a
/// step that no longer fits its type fails the run, and a text that no longer parses (a stricter
/// parser after an upgrade) fails the step or run that meets it, in words, and is never taken
/// as plain text.
public struct ParsedVersion: Sendable {
    private let planned: Result<[Step], WorkflowInvalid>
    private let conditions: [String: Result<Expression, ExpressionError>]
    private let templates: [String: Result<Template, ExpressionError>]

    public init(_ definition: WorkflowDefinition) {
        let planned = Result { () throws(WorkflowInvalid) in try Step.plan(definition.steps) }
        var conditions: [String] = []
        var inputs: [JSONValue] = []
        if case let .success(steps) = planned {
            for step in steps.flatMap(\.allSteps) {
                switch step.kind {
                case let .action(action): inputs.append(contentsOf: action.inputs.values)
                case let .conditional(branches, _): conditions.append(contentsOf: branches.map(\.condition))
                case .parallel: break
                }
            }
        }
        self.init(planned: planned, conditions: conditions, inputs: inputs)
    }

    /// The version's steps, typed; throws (naming every misfit) for a version stored by a laxer
    /// Vigil than this one.
    public func steps() throws(WorkflowInvalid) -> [Step] { try planned.get() }

    /// The conditions and the templated texts inside `inputs` (objects and lists included).
    init(planned: Result<[Step], WorkflowInvalid>, conditions texts: [String], inputs: [JSONValue]) {
        self.planned = planned
        var conditions: [String: Result<Expression, ExpressionError>] = [:]
        var templates: [String: Result<Template, ExpressionError>] = [:]
        func collect(_ value: JSONValue) {
            switch value {
            case let .string(text) where TextSearch.contains(text, "{{") && templates[text] == nil:
                templates[text] = Result { () throws(ExpressionError) in try Template.parse(text) }
            case let .array(items): items.forEach(collect)
            case let .object(fields): fields.values.forEach(collect)
            default: break
            }
        }
        for text in texts where conditions[text] == nil {
            conditions[text] = Result { () throws(ExpressionError) in try ExpressionParser.parse(text) }
        }
        inputs.forEach(collect)
        self.conditions = conditions
        self.templates = templates
    }

    /// A branch's condition, parsed.
    public func condition(_ text: String) throws(ExpressionError) -> Expression {
        guard let parsed = conditions[text] else { throw ExpressionError("the condition \"\(text.prefix(80))\" is not one of the version's") }
        return try parsed.get()
    }

    /// Renders every template inside a step's input value (objects and lists included), all of
    /// them from one budget.
    public func render(_ value: JSONValue, with data: JSONValue, budget: inout EvaluationBudget) throws -> JSONValue {
        switch value {
        case let .string(text):
            guard TextSearch.contains(text, "{{") else { return value }
            guard let parsed = templates[text] else { throw ExpressionError("the input \"\(text.prefix(80))\" is not one of the version's") }
            return try parsed.get().render(data, budget: &budget)
        case let .array(items):
            var rendered: [JSONValue] = []
            for item in items { rendered.append(try render(item, with: data, budget: &budget)) }
            return .array(rendered)
        case let .object(fields):
            var rendered: [String: JSONValue] = [:]
            for (name, item) in fields { rendered[name] = try render(item, with: data, budget: &budget) }
            return .object(rendered)
        default: return value
        }
    }
}

/// The versions this process has parsed, by workflow and version. Bounded: past `capacity`
/// versions it starts again (a version is parsed again on its next run).
final class ParsedVersions: Sendable {
    private let parsed = Mutex<[String: ParsedVersion]>([:])
    private let capacity: Int

    init(capacity: Int = 256) { self.capacity = capacity }

    /// Parsing is work over user data: it runs on the expression threads, never Swift's pool.
    func version(_ version: WorkflowVersion, on threads: any ExpressionThreads) async throws -> ParsedVersion {
        let key = "\(version.workflowID)#\(version.version)"
        if let known = parsed.withLock({ $0[key] }) { return known }
        let definition = version.definition
        let made = try await threads.run { ParsedVersion(definition) }
        parsed.withLock { parsed in
            if parsed.count >= capacity { parsed.removeAll() }
            parsed[key] = made
        }
        return made
    }
}
