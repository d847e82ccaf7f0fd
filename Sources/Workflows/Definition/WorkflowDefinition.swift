import Basics
public import JSONValues

/// A workflow as its author writes it (JSON, or YAML through the CLI): a trigger and a list of
/// steps. Decoding is lenient about meaning (an unknown step type decodes, and the validator names
/// it with its step id) and strict about shape (a list where an object belongs is a decode error,
/// and so is a key no type here knows, such as a misspelt `continue_on_error`).
public struct WorkflowDefinition: Codable, Sendable, Equatable {
    public var name: String
    public var description: String?
    public var trigger: Trigger
    public var steps: [StepDefinition]

    enum CodingKeys: String, CodingKey, CaseIterable { case name, description, trigger, steps }

    public init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        trigger = try container.decode(Trigger.self, forKey: .trigger)
        steps = try container.decode([StepDefinition].self, forKey: .steps)
    }

    public init(name: String, description: String? = nil, trigger: Trigger, steps: [StepDefinition]) {
        self.name = name
        self.description = description
        self.trigger = trigger
        self.steps = steps
    }

    /// Every step, depth first, branches included.
    public var allSteps: [StepDefinition] {
        func walk(_ steps: [StepDefinition]) -> [StepDefinition] {
            steps.flatMap { step in [step] + (step.branches ?? []).flatMap { walk($0.steps) } + walk(step.otherwise ?? []) }
        }
        return walk(steps)
    }
}

/// What starts a run.
public struct Trigger: Codable, Sendable, Equatable {
    /// `api` (a call with parameters) or `event` (an event of the lookup service, later of cases
    /// and accounts). Every workflow can also be re-run by hand with an earlier run's input.
    public var type: String
    /// `api`: the parameters a call must carry, checked before a run is created.
    public var parameters: [Parameter]?
    /// `event`: the event types that start a run.
    public var events: [String]?
    /// `event`: a condition over `trigger` (the event) that must hold for a run to start.
    public var condition: String?

    enum CodingKeys: String, CodingKey, CaseIterable { case type, parameters, events, condition }

    public init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        type = try container.decode(String.self, forKey: .type)
        parameters = try container.decodeIfPresent([Parameter].self, forKey: .parameters)
        events = try container.decodeIfPresent([String].self, forKey: .events)
        condition = try container.decodeIfPresent(String.self, forKey: .condition)
    }

    public init(type: String, parameters: [Parameter]? = nil, events: [String]? = nil, condition: String? = nil) {
        self.type = type
        self.parameters = parameters
        self.events = events
        self.condition = condition
    }

    /// The `image` parameters of an `api` trigger (an event's payload has none, whatever the
    /// definition declares).
    var imageParameters: [Parameter] { type == "api" ? (parameters ?? []).filter { $0.type == "image" } : [] }

    public static func api(_ parameters: [Parameter]) -> Trigger { Trigger(type: "api", parameters: parameters) }
    public static func event(_ events: [String], condition: String? = nil) -> Trigger {
        Trigger(type: "event", events: events, condition: condition)
    }
}

/// One parameter of an `api` trigger.
public struct Parameter: Codable, Sendable, Equatable {
    public var name: String
    /// text, url, image (base64: the run keeps its size and SHA-256, never the bytes), integer,
    /// number, boolean, object or list.
    public var type: String
    public var required: Bool?
    public var description: String?
    /// A text's or URL's longest value, in bytes of UTF-8, or an object's or list's as JSON
    /// (default `defaultMaxLength`): what conditions and templates read of a run's input is
    /// bounded by its declaration, and a run's input (kept in the clear with the run) cannot
    /// carry an image past its `image` parameter (kept encrypted with the evidence).
    public var maxLength: Int?

    /// The types `maxLength` bounds.
    public static let limitedTypes: Set<String> = ["text", "url", "object", "list"]

    /// 64 KiB: a caption, a report's text, a URL; a workflow that takes more says so.
    public static let defaultMaxLength = 64 * 1024
    /// The most a parameter may declare (a request body's own default limit).
    public static let largestMaxLength = 1024 * 1024

    enum CodingKeys: String, CodingKey, CaseIterable { case name, type, required, description, maxLength = "max_length" }

    public init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        type = try container.decode(String.self, forKey: .type)
        required = try container.decodeIfPresent(Bool.self, forKey: .required)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        maxLength = try container.decodeIfPresent(Int.self, forKey: .maxLength)
    }

    public init(name: String, type: String, required: Bool? = nil, description: String? = nil, maxLength: Int? = nil) {
        self.name = name
        self.type = type
        self.required = required
        self.description = description
        self.maxLength = maxLength
    }

    /// The longest text or URL this parameter takes, in bytes.
    public var textLimit: Int { maxLength ?? Self.defaultMaxLength }
}

/// One step as its author writes it. `type` says which of the optional fields it uses:
/// - `action`: `integration` + `operation` (+ `credential`), or a built-in `action`; `inputs`;
/// - `conditional`: `branches` (each a `condition` and its steps, tried in order) and `else`;
/// - `parallel`: `branches` (their steps; all run at once).
/// `Step.make` types it (naming every field that does not fit), and the validator and the
/// engine work with the typed `Step`.
public struct StepDefinition: Codable, Sendable, Equatable {
    public var id: String
    public var name: String?
    public var type: String
    public var integration: String?
    public var operation: String?
    public var action: String?
    public var credential: String?
    /// Each a literal or a template (`"{{ trigger.image_url }}"`), nested objects and lists included.
    public var inputs: [String: JSONValue]?
    public var branches: [BranchDefinition]?
    public var otherwise: [StepDefinition]?
    public var retry: Retry?
    /// When the step fails after its last attempt, record the failure and go on with the next step.
    public var continueOnError: Bool?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, name, type, integration, operation, action, credential, inputs, branches, retry
        case otherwise = "else"
        case continueOnError = "continue_on_error"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        type = try container.decode(String.self, forKey: .type)
        integration = try container.decodeIfPresent(String.self, forKey: .integration)
        operation = try container.decodeIfPresent(String.self, forKey: .operation)
        action = try container.decodeIfPresent(String.self, forKey: .action)
        credential = try container.decodeIfPresent(String.self, forKey: .credential)
        inputs = try container.decodeIfPresent([String: JSONValue].self, forKey: .inputs)
        branches = try container.decodeIfPresent([BranchDefinition].self, forKey: .branches)
        otherwise = try container.decodeIfPresent([StepDefinition].self, forKey: .otherwise)
        retry = try container.decodeIfPresent(Retry.self, forKey: .retry)
        continueOnError = try container.decodeIfPresent(Bool.self, forKey: .continueOnError)
    }

    public init(id: String, name: String? = nil, type: String, integration: String? = nil, operation: String? = nil, action: String? = nil,
                credential: String? = nil, inputs: [String: JSONValue]? = nil, branches: [BranchDefinition]? = nil, otherwise: [StepDefinition]? = nil,
                retry: Retry? = nil, continueOnError: Bool? = nil) {
        self.id = id
        self.name = name
        self.type = type
        self.integration = integration
        self.operation = operation
        self.action = action
        self.credential = credential
        self.inputs = inputs
        self.branches = branches
        self.otherwise = otherwise
        self.retry = retry
        self.continueOnError = continueOnError
    }
}

/// A branch of a conditional (with a condition) or of a parallel step (without).
public struct BranchDefinition: Codable, Sendable, Equatable {
    public var name: String?
    public var condition: String?
    public var steps: [StepDefinition]

    enum CodingKeys: String, CodingKey, CaseIterable { case name, condition, steps }

    public init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        condition = try container.decodeIfPresent(String.self, forKey: .condition)
        steps = try container.decode([StepDefinition].self, forKey: .steps)
    }

    public init(name: String? = nil, condition: String? = nil, steps: [StepDefinition]) {
        self.name = name
        self.condition = condition
        self.steps = steps
    }
}

/// How often a failing step is tried, and how long to wait between tries: `backoff_seconds`
/// before the second try, doubling after each, never more than `max_backoff_seconds`.
public struct Retry: Codable, Sendable, Equatable {
    public var attempts: Int
    public var backoffSeconds: Double
    public var maxBackoffSeconds: Double

    enum CodingKeys: String, CodingKey, CaseIterable {
        case attempts
        case backoffSeconds = "backoff_seconds"
        case maxBackoffSeconds = "max_backoff_seconds"
    }

    public init(attempts: Int = 1, backoffSeconds: Double = 1, maxBackoffSeconds: Double = 300) {
        self.attempts = attempts
        self.backoffSeconds = backoffSeconds
        self.maxBackoffSeconds = maxBackoffSeconds
    }

    public init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        attempts = try container.decodeIfPresent(Int.self, forKey: .attempts) ?? 1
        backoffSeconds = try container.decodeIfPresent(Double.self, forKey: .backoffSeconds) ?? 1
        maxBackoffSeconds = try container.decodeIfPresent(Double.self, forKey: .maxBackoffSeconds) ?? 300
    }

    /// The wait after try number `attempt` (counting from 1) failed.
    /// As declared, to the second: no jitter.
    public func backoff(after attempt: Int) -> Double {
        Backoff(first: .milliseconds(Int64(backoffSeconds * 1000)), cap: .milliseconds(Int64(maxBackoffSeconds * 1000))).seconds(after: attempt, random: 1)
    }
}
