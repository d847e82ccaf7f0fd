import Basics
import Access
import ArgumentParser
import Banks
import Composition
import Foundation
import Integrations
import Jobs
import JSONValues
import SafeFetch
import Storage
import Workflows
import Yams

/// `vigil workflow`: workflows from files (JSON or YAML), their runs. Runs execute in the
/// `vigil serve` processes on the same database; `run` waits for the one it started.
struct WorkflowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workflow", abstract: "Apply workflow definitions (JSON or YAML), start runs and list them.",
        subcommands: [Apply.self, List.self, Run.self, Runs.self])

    struct Context {
        let workflows: WorkflowService
        let audit: SQLAuditLog
    }

    static func with(_ storage: StorageOptions, readOnly: Bool, _ body: (Context) async throws -> Void) async throws {
        try await CommandFailure.run {
            let dataDirectory = try await storage.dataDirectory()
            try await VigilDatabase.withOpen(try await storage.location(), mustExist: readOnly) { database in
                // The vault is opened only to check the credentials a definition names (apply):
                // listing or starting runs needs no master key.
                let stores = Stores(database)
                let workflows = Assemble.workflows(stores, jobs: JobQueue(store: stores.jobs), credentials: {
                    try await CredentialVault.open(database: database, dataDirectory: dataDirectory, destinations: CredentialVault.SendsNothing(),
                                                   probes: []).credentials.list()
                })
                try await body(Context(workflows: workflows, audit: stores.audit))
            }
        }
    }

    /// A definition from a file: JSON, or YAML (templates quoted: `image_url: "{{ trigger.image_url }}"`).
    static func definition(at path: String) throws -> WorkflowDefinition {
        guard let data = FileManager.default.contents(atPath: path) else { throw Failure(description: "cannot read \(path)") }
        let text = String(decoding: data, as: UTF8.self)
        let isJSON = path.hasSuffix(".json") || text.drop { $0.isWhitespace }.first == "{"
        do {
            return isJSON ? try JSONDecoder().decode(WorkflowDefinition.self, from: data) : try YAMLDecoder().decode(WorkflowDefinition.self, from: text)
        } catch let error as DecodingError {
            throw Failure(description: "\(path): \(DecodingProblem.describe(error, document: "the file"))")
        } catch {
            throw Failure(description: "\(path) is not valid \(isJSON ? "JSON" : "YAML"): \(error)")
        }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func print(_ issues: [ValidationIssue]) {
        for issue in issues { Standard.error("  \(issue.description)") }
    }

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the workflow the file names, or replace its draft; --publish makes it live.",
            discussion: "vigil workflow apply screen.yaml --publish")
        @OptionGroup var storage: StorageOptions
        @Argument(help: "A definition file, .json or .yaml.") var file: String
        @Flag(help: "Publish the draft as a new version, live for new runs.") var publish = false

        func run() async throws {
            let definition = try WorkflowCommand.definition(at: file)
            try await WorkflowCommand.with(storage, readOnly: false) { context in
                let issues = try await context.workflows.validate(definition)
                guard issues.isEmpty else {
                    WorkflowCommand.print(issues)
                    throw Failure(description: "\(file): the workflow is not valid (\(issues.count) issue\(issues.count == 1 ? "" : "s"))")
                }
                let action = publish ? "workflow.publish" : "workflow.apply"
                let applied = try await context.audit.recording(actor: CLIActor.current, action: action, target: "workflow:\(definition.name)") {
                    try await context.workflows.apply(definition, publish: publish, by: CLIActor.current)
                }
                let state = applied.created ? "created" : "updated the draft of"
                Standard.output("\(state) workflow \(applied.workflow.name) (\(applied.workflow.id))"
                                + (applied.version.map { "; published version \($0.version)" } ?? ""))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List workflows with their live versions.")
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await WorkflowCommand.with(storage, readOnly: true) { context in
                for workflow in try await context.workflows.list() {
                    let live = workflow.liveVersion.map { "live v\($0)" } ?? "not published"
                    Standard.output("\(workflow.id)  \(workflow.name)  \(live)  trigger \(workflow.draft.trigger.type)")
                }
            }
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a run of a workflow's live version and wait for it (a vigil serve on the same database executes it).",
            discussion: "vigil workflow run 'Screen uploaded image' --input image_url=https://example.org/a.jpg")
        @OptionGroup var storage: StorageOptions
        @Argument(help: "The workflow's name or id.") var name: String
        @Option(name: .customLong("input"), help: ArgumentHelp("A trigger parameter (repeatable); JSON values are read as JSON.", valueName: "key=value"))
        var inputs: [String] = []
        @Option(help: ArgumentHelp("The same key starts one run, however often it is given.", valueName: "key")) var idempotencyKey: String?
        @Option(help: ArgumentHelp("Seconds to wait for the run to finish (0: do not wait).", valueName: "seconds")) var wait = 60.0

        func run() async throws {
            var input: [String: JSONValues.JSONValue] = [:]
            for pair in inputs {
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, !parts[0].isEmpty else { throw ValidationError("--input takes key=value, not \"\(pair.prefix(60))\"") }
                input[parts[0]] = (try? JSONDecoder().decode(JSONValues.JSONValue.self, from: Data(parts[1].utf8))) ?? .string(parts[1])
            }
            try await WorkflowCommand.with(storage, readOnly: true) { context in
                let started = try await context.workflows.start(name, input: input, idempotencyKey: idempotencyKey)
                Standard.output("run \(started.run.id) \(started.created ? "queued" : "exists already (same idempotency key)")")
                guard wait > 0 else { return }
                let deadline = Date().addingTimeInterval(wait)
                var run = started.run
                // The CLI is not the one executing the run: it reads the database until the run ends.
                while !run.status.isFinished, Date() < deadline {
                    try await Task.sleep(for: .milliseconds(200))
                    run = try await context.workflows.run(run.id)
                }
                guard run.status.isFinished else {
                    throw Failure(description: "run \(run.id) is still \(run.status.rawValue) after \(Int(wait)) s: is a vigil serve running on this database?")
                }
                for step in try await context.workflows.steps(of: run.id) {
                    Standard.output("  \(step.stepID): \(step.status.rawValue) after \(step.attempts) attempt\(step.attempts == 1 ? "" : "s")"
                                    + (step.error.map { " — \($0)" } ?? "") + (step.output.map { " → \($0.text.prefix(300))" } ?? ""))
                }
                Standard.output("run \(run.id) \(run.status.rawValue)" + (run.error.map { ": \($0)" } ?? ""))
                if run.status != .succeeded { throw ExitCode(1) }
            }
        }
    }

    struct Runs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a workflow's runs, newest first.")
        @OptionGroup var storage: StorageOptions
        @Argument(help: "The workflow's name or id.") var name: String
        @Option(help: ArgumentHelp("Only runs in these states (comma-separated).", valueName: "status")) var status: String?
        @Option(help: "How many runs.") var limit = 20

        func run() async throws {
            let statuses: [RunStatus]? = try CommaSeparated.parse(status, option: "--status")
            try await WorkflowCommand.with(storage, readOnly: true) { context in
                let workflow = try await context.workflows.workflow(name)
                for run in try await context.workflows.runs(RunFilter(workflowID: workflow.id, statuses: statuses, limit: max(1, min(limit, 1000)))) {
                    Standard.output("\(run.id)  v\(run.version)  \(run.status.rawValue)  \(run.trigger.rawValue)  \(Timestamp.iso8601(run.createdAt))"
                                    + (run.error.map { "  \($0.prefix(200))" } ?? ""))
                }
            }
        }
    }
}
