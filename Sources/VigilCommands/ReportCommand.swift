import Basics
import Access
import ArgumentParser
import Banks
import Cases
import Composition
import Foundation
import Storage
import Reports
import Vault
import VigilServer

/// `vigil report`: CyberTipline reports on the database. Drafts, edits, approval, retraction
/// and retries are made here as through the API; the calls to NCMEC are jobs that the
/// `vigil serve` processes on the same database make.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Draft, edit, approve, retract and retry NCMEC CyberTipline reports; list and show them.",
        subcommands: [List.self, Show.self, Draft.self, Edit.self, Approve.self, Retract.self, Retry.self, XML.self, Settings.self])

    struct Context {
        let reports: ReportService
        let audit: SQLAuditLog
    }

    static func with(_ storage: StorageOptions, _ body: (Context) async throws -> Void) async throws {
        try await CommandFailure.run {
            let dataDirectory = try await storage.dataDirectory()
            try await VigilDatabase.withOpen(try await storage.location(), mustExist: true) { database in
                let vault = try await CredentialVault.open(database: database, dataDirectory: dataDirectory, destinations: CredentialVault.SendsNothing(), probes: [])
                let stores = Stores(database)
                let media = Assemble.evidence(stores, evidenceKey: try await vault.credentials.evidenceKey(), previews: NoPreviews())
                let casework = Assemble.casework(stores, banks: Assemble.banks(stores, index: .none), media: media)
                try await body(Context(reports: casework.reports, audit: stores.audit))
            }
        }
    }

    /// The CLI keeps no evidence, so it makes no previews.
    struct NoPreviews: PreviewMaker {
        func preview(of bytes: [UInt8]) async throws -> [UInt8] { throw ReportError.invalid("previews are made by vigil serve") }
    }

    /// One audited change of a report, printed as its new line.
    static func change(_ storage: StorageOptions, _ action: String, id: Int64, verb: String,
                       _ body: @escaping (ReportService) async throws -> Report) async throws {
        try await with(storage) { context in
            let report = try await context.audit.recording(actor: CLIActor.current, action: action, target: "report:\(id)") {
                try await body(context.reports)
            }
            Standard.output("\(verb) " + line(report))
        }
    }

    static func line(_ report: Report) -> String {
        let ncmec = report.remote.reportID.map { " ncmec=\($0)" } ?? ""
        let problem = report.problem.map { " problem=\"\($0.message)\"" } ?? ""
        return "\(report.id)\tcase=\(report.caseID)\t\(report.state.rawValue)\tfiles=\(report.files.count)\tv\(report.version)\(ncmec)\(problem)"
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List reports, newest first.")
        @OptionGroup var storage: StorageOptions
        @Option(help: "Only these states, comma-separated (draft, approved, …, finished, failed).") var state: String?
        @Option(help: "Only the reports of this case.") var caseID: Int64?

        func run() async throws {
            let states: [ReportState]? = try CommaSeparated.parse(state, option: "--state")
            try await ReportCommand.with(storage) { context in
                for report in try await context.reports.list(ReportFilter(states: states, caseID: caseID, limit: 1000)) {
                    Standard.output(ReportCommand.line(report))
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a report and its history (every call, answer and Request-ID).")
        @OptionGroup var storage: StorageOptions
        @Argument(help: "The report's id.") var id: Int64

        func run() async throws {
            try await ReportCommand.with(storage) { context in
                let (report, history) = try await context.reports.detail(id)
                Standard.output(ReportCommand.line(report))
                for problem in try await context.reports.problems(report) where report.state == .draft { Standard.output("  to fix before approval: \(problem)") }
                for entry in history {
                    let detail = entry.detail.object ?? [:]
                    let summary = ["call", "code", "description", "request_id", "message", "reason"].compactMap { key -> String? in
                        guard let value = detail[key], value != .null else { return nil }
                        return "\(key)=\(value.string ?? value.text)"
                    }
                    Standard.output("  \(Timestamp.iso8601(entry.at))\t\(entry.actor)\t\(entry.kind)\t\(summary.joined(separator: " "))")
                }
            }
        }
    }

    struct Draft: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Draft the report of a case (or show the one it has).")
        @OptionGroup var storage: StorageOptions
        @Argument(help: "The case's id.") var caseID: Int64
        @Option(help: "The industry classification of every file: A1, A2, B1 or B2.") var classification: String?

        func run() async throws {
            let classification = try classification.map { text in
                guard let value = IndustryClassification(rawValue: text.uppercased()) else { throw ValidationError("classification must be A1, A2, B1 or B2") }
                return value
            }
            try await ReportCommand.with(storage) { context in
                let (report, created) = try await context.audit.recording(actor: CLIActor.current, action: "report.draft", target: "case:\(caseID)") {
                    try await context.reports.draft(caseID: caseID, options: DraftOptions(classification: classification), actor: CLIActor.current)
                }
                Standard.output((created ? "drafted " : "the case has report ") + ReportCommand.line(report))
            }
        }
    }

    struct Edit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Edit a draft (or a failed report) from a JSON file of the fields to change, as PATCH /v1/reports/{id} takes them.")
        @OptionGroup var storage: StorageOptions
        @Argument(help: "The report's id.") var id: Int64
        @Argument(help: "A JSON file: {\"files\": [{\"evidence_id\": 3, \"classification\": \"A1\"}], …}.") var file: String

        func run() async throws {
            guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = Timestamp.decodingStrategy
            let edit: ReportEdit
            do { edit = try decoder.decode(ReportEditJSON.self, from: data).edit } catch {
                throw ValidationError("\(file) is not a report edit: \(error)")
            }
            try await ReportCommand.change(storage, "report.edit", id: id, verb: "edited") {
                try await $0.edit(id, edit, expectedVersion: nil, actor: CLIActor.current)
            }
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Approve a draft: vigil serve then submits it to NCMEC.")
        @OptionGroup var storage: StorageOptions
        @Argument(help: "The report's id.") var id: Int64

        func run() async throws {
            try await ReportCommand.change(storage, "report.approve", id: id, verb: "approved") {
                try await $0.approve(id, expectedVersion: nil, actor: CLIActor.current)
            }
        }
    }

    struct Retract: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Retract a report that is not finished.")
        @OptionGroup var storage: StorageOptions
        @Argument(help: "The report's id.") var id: Int64
        @Option(help: "Why (kept in the report's history).") var reason: String

        func run() async throws {
            try await ReportCommand.change(storage, "report.retract", id: id, verb: "retracting") {
                try await $0.retract(id, reason: reason, actor: CLIActor.current)
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Resume a failed report where it stopped.")
        @OptionGroup var storage: StorageOptions
        @Argument(help: "The report's id.") var id: Int64

        func run() async throws {
            try await ReportCommand.change(storage, "report.retry", id: id, verb: "retrying") {
                try await $0.retry(id, actor: CLIActor.current)
            }
        }
    }

    struct XML: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "xml", abstract: "Print the XML the report sends: <report>, then each <fileDetails>.")
        @OptionGroup var storage: StorageOptions
        @Argument(help: "The report's id.") var id: Int64

        func run() async throws {
            try await ReportCommand.with(storage) { context in
                let documents = try await context.reports.documents(id)
                Standard.output(documents.report)
                for file in documents.files { Standard.output(file) }
            }
        }
    }

    struct Settings: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the reporting settings, or replace them from a JSON file (as PUT /v1/report-settings takes them).")
        @OptionGroup var storage: StorageOptions
        @Option(help: "A JSON file of settings.") var set: String?

        func run() async throws {
            try await ReportCommand.with(storage) { context in
                if let set {
                    guard let data = FileManager.default.contents(atPath: set) else { throw ValidationError("cannot read \(set)") }
                    let current = try await context.reports.settings()
                    let settings: ReportingSettings
                    do { settings = try JSONDecoder().decode(ReportingSettingsJSON.self, from: data).settings(changing: current) } catch {
                        throw ValidationError("\(set) is not report settings: \(error)")
                    }
                    _ = try await context.audit.recording(actor: CLIActor.current, action: "report.settings", target: "report-settings") {
                        try await context.reports.saveSettings(settings)
                    }
                }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                Standard.output(String(decoding: try encoder.encode(ReportingSettingsJSON(try await context.reports.settings())), as: UTF8.self))
            }
        }
    }
}
