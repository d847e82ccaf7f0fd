import Basics
import Access
import Banks
import Composition
import Jobs
import ArgumentParser
import Foundation
import IntegrationClients
import Integrations
import SafeFetch
import Storage
import Workflows
import Vault
import VigilServer

/// `vigil credentials`: the integrations' stored credentials, as `/v1/credentials` has them.
/// Every change and test is written to the audit log as the command's user.
struct CredentialsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credentials", abstract: "Add, list, show, test and delete integration credentials (secrets masked).",
        subcommands: [Add.self, List.self, Show.self, Test.self, Delete.self])

    struct Context {
        let credentials: CredentialService
        let audit: SQLAuditLog

        /// Runs `body` and records it in the audit log as the command's user, with its outcome.
        func audited<T>(_ action: String, target: String, resultTarget: ((T) -> String)? = nil,
                        outcome: ((T) -> String)? = nil, _ body: () async throws -> T) async throws -> T {
            try await audit.recording(actor: CLIActor.current, action: action, target: target, resultTarget: resultTarget,
                                      outcome: outcome, body)
        }
    }

    static func with(_ storage: StorageOptions, readOnly: Bool, _ body: (Context) async throws -> Void) async throws {
        try await CommandFailure.run {
            let dataDirectory = try await storage.dataDirectory()
            try await VigilDatabase.withOpen(try await storage.location(), mustExist: readOnly) { database in
                let fetcher = try await storage.fetcher()
                let vault = try await CredentialVault.open(database: database, dataDirectory: dataDirectory,
                                                           destinations: try await storage.endpointRules(gate: fetcher.gate),
                                                           probes: try CredentialProbes.standard(fetcher: fetcher))
                // The same checks as the server's: what a workflow, reporting, a list or a webhook uses stays.
                let stores = Stores(database)
                let syncing = Assemble.bankSync(stores, banks: Assemble.banks(stores, index: .none), jobs: JobQueue(store: stores.jobs),
                                                credentials: vault.credentials, gate: fetcher.gate)
                Assemble.guardCredentialUsers(vault.credentials, stores: stores, bankSync: syncing.service,
                                              reportSettings: { try await stores.reports.settings() })
                try await body(Context(credentials: vault.credentials, audit: stores.audit))
            }
        }
    }

    static func print(_ view: CredentialView, to write: (String) -> Void = Standard.output) {
        write("id: \(view.id)")
        write("integration: \(view.integration)")
        for (name, value) in view.values.sorted(by: { $0.key < $1.key }) { write("\(name): \(value)") }
        for (name, masked) in view.secrets.sorted(by: { $0.key < $1.key }) { write("\(name): \(masked)") }
        write("created_at: \(Timestamp.iso8601(view.createdAt))")
        write("updated_at: \(Timestamp.iso8601(view.updatedAt))")
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Store a credential. Secret fields are read from a prompt, or one line each from standard input.",
            discussion: "vigil credentials add --integration photodna --value nickname=prod < key.txt")
        @OptionGroup var storage: StorageOptions
        @Option(help: ArgumentHelp("photodna, ncmec_hash_sharing, ncmec_cybertipline or webhook.", valueName: "id")) var integration: String
        @Option(name: .customLong("value"), help: ArgumentHelp("A field that is not secret (repeatable).", valueName: "name=value"))
        var values: [String] = []

        func run() async throws {
            guard let declared = Integrations.integration(integration) else {
                throw ValidationError("no integration \"\(integration)\" (one of \(Integrations.catalogue.filter(\.needsCredential).map(\.id).joined(separator: ", ")))")
            }
            var given: [String: String] = [:]
            for pair in values {
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { throw ValidationError("--value takes name=value, not \"\(pair.prefix(60))\"") }
                if declared.secretFieldNames.contains(parts[0]) {
                    throw ValidationError("\(parts[0]) is secret: it is read from a prompt or standard input, never from an argument")
                }
                given[parts[0]] = parts[1]
            }
            try await CommandFailure.run {
                for field in declared.credentialFields where field.secret { given[field.name] = try SecretInput.read(field.name) }
            }
            try await CredentialsCommand.with(storage, readOnly: false) { context in
                let view = try await context.audited("credential.create", target: "integration:\(integration)",
                                                     resultTarget: { (view: CredentialView) in "credential:\(view.id)" }) {
                    try await context.credentials.create(integration: integration, values: given, mayRedirect: true)
                }
                // The id alone on standard output, for `ID=$(vigil credentials add …)`; what was
                // stored, its secrets masked, on standard error.
                CredentialsCommand.print(view, to: Standard.error)
                Standard.output(view.id)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List credentials: id, integration, nickname, masked secrets.")
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await CredentialsCommand.with(storage, readOnly: true) { context in
                for view in try await context.credentials.list() {
                    let secrets = view.secrets.sorted(by: { $0.key < $1.key }).map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                    Standard.output("\(view.id)\t\(view.integration)\t\(view.values["nickname"] ?? "")\t\(secrets)")
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one credential (secrets masked).")
        @OptionGroup var storage: StorageOptions
        @Argument(help: "Credential id.") var id: String

        func run() async throws {
            try await CredentialsCommand.with(storage, readOnly: true) { context in
                CredentialsCommand.print(try await context.credentials.show(id: id))
            }
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make one real call with a credential and say what came back; exit 1 if the credential does not work.")
        @OptionGroup var storage: StorageOptions
        @Argument(help: "Credential id.") var id: String

        func run() async throws {
            var worked = false
            try await CredentialsCommand.with(storage, readOnly: true) { context in
                let result = try await context.audited("credential.test", target: "credential:\(id)",
                                                       outcome: { (result: CredentialTestResult) in result.ok ? "ok" : "failed: \(result.summary)" }) {
                    try await context.credentials.test(id: id)
                }
                Standard.output(result.summary)
                for (name, value) in result.details.sorted(by: { $0.key < $1.key }) { Standard.output("  \(name): \(value)") }
                worked = result.ok
            }
            if !worked { throw ExitCode(1) }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a credential.")
        @OptionGroup var storage: StorageOptions
        @Argument(help: "Credential id.") var id: String
        @Flag(help: "Delete it even though something uses it (a published workflow, reporting, a bank's list, a webhook subscription), which will then fail.") var force = false

        func run() async throws {
            try await CredentialsCommand.with(storage, readOnly: true) { context in
                let view = try await context.audited(force ? "credential.delete_forced" : "credential.delete", target: "credential:\(id)") {
                    try await context.credentials.delete(id: id, force: force)
                }
                Standard.output("deleted credential \(view.id) (\(view.integration), \(view.values["nickname"] ?? ""))")
            }
        }
    }
}
