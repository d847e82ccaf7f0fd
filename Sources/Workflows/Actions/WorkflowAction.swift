public import JSONValues

/// Runs one kind of action step (`photodna.match_lookup`, `bank.add`, …). Adapters implement it
/// over the integration clients and the domain services; the engine knows only this.
public protocol WorkflowAction: Sendable {
    /// The action key, as `ActionCatalog` declares it.
    var key: String { get }
    /// Performs the action with rendered inputs. A performer with side effects honours
    /// `call.idempotencyKey`: called again with the same key, it does not repeat its effect.
    /// Throw `ActionFailure` for an error no retry can fix; other errors are retried as the
    /// step's retry policy says.
    func perform(_ call: ActionCall) async throws -> JSONValue
}

/// One performance of an action step.
public struct ActionCall: Sendable {
    public var inputs: [String: JSONValue]
    public var credential: String?
    /// Derived from (run, step): the same on every try and after a crash.
    public var idempotencyKey: String
    public var runID: Int64
    public var stepID: String
    public var workflowID: String
    /// A draft's test run (`WorkflowEngine.tryOut`), not a run: a lookup says so in its record.
    public var isTrial = false
    /// The images of the run this step may keep and read.
    public var images = StepImages.none

    public init(inputs: [String: JSONValue], credential: String?, idempotencyKey: String, runID: Int64, stepID: String, workflowID: String) {
        self.inputs = inputs
        self.credential = credential
        self.idempotencyKey = idempotencyKey
        self.runID = runID
        self.stepID = stepID
        self.workflowID = workflowID
    }

    public func text(_ name: String) -> String? { inputs[name]?.string.flatMap { $0.isEmpty ? nil : $0 } }
    public func bool(_ name: String) -> Bool? { inputs[name]?.bool }
}

/// An action's error that no retry fixes (a bad input, a refused credential).
public struct ActionFailure: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Hides a credential's secrets from what a run records (inputs, outputs, errors).
public protocol SecretRedactor: Sendable {
    /// A function that replaces the credential's secrets in text. Throws when the credential's
    /// secrets cannot be read: the step then stops, rather than keep its data unchecked.
    func redactor(forCredential id: String) async throws -> @Sendable (String) -> String
}

/// Redacts nothing (no credential has secrets, as in tests without a vault).
public struct NoSecrets: SecretRedactor {
    public init() {}
    public func redactor(forCredential id: String) async throws -> @Sendable (String) -> String { { $0 } }
}
