import Basics
public import ArgumentParser
import BankImport
public import Banks
import ContentHashing
import Foundation
import ImageCodecs

extension BankKind: ExpressibleByArgument {}
extension ImportFormat: ExpressibleByArgument {}
extension BankExporter.Format: ExpressibleByArgument {}

/// `vigil bank …`: create, list, show, delete, import and export hash banks.
struct BankCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bank",
        abstract: "Manage hash banks.",
        subcommands: [Create.self, List.self, Show.self, Delete.self, Import.self, Export.self, Source.self, Sync.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a bank.")
        @OptionGroup var storage: StorageOptions
        @Argument(help: "Bank name: letters, digits, _ - .") var name: String
        @Option(help: "match (known bad) or allow (known false positives).") var kind: BankKind = .match
        @Option(name: .customLong("label"), help: "A label (source, category A1/A2/B1/B2, verified); repeatable.") var labels: [String] = []
        @Option(parsing: .unconditional, help: "PDQ distance threshold, inclusive, 0-256.") var threshold = Bank.defaultPDQThreshold
        @Option(help: "What the bank holds.") var description = ""
        @Flag(help: "Create the bank disabled.") var disabled = false

        func run() async throws {
            try await storage.run { service in
                let bank = try await service.createBank(NewBank(
                    name: name, description: description, kind: kind, enabled: !disabled, pdqThreshold: threshold, labels: labels))
                Standard.output("created bank \(bank.name) (\(bank.kind.rawValue), threshold \(bank.pdqThreshold))")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List banks.")
        @OptionGroup var storage: StorageOptions
        @Option(help: "text or json.") var format: OutputFormat = .text

        func run() async throws {
            try await storage.run(readOnly: true) { service in
                for bank in try await service.listBanks() {
                    let count = try await service.entryCount(of: bank)
                    switch format {
                    case .text:
                        Standard.output("\(bank.name)\t\(bank.kind.rawValue)\t\(bank.deleting ? "being deleted" : bank.enabled ? "enabled" : "disabled")\tthreshold=\(bank.pdqThreshold)\tentries=\(count)\tlabels=\(bank.labels.joined(separator: ","))")
                    case .json:
                        Standard.output(JSONValue.object(BankJSON.fields(bank, entries: count)).rendered)
                    }
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one bank as JSON.")
        @OptionGroup var storage: StorageOptions
        @Argument var name: String

        func run() async throws {
            try await storage.run(readOnly: true) { service in
                let bank = try await service.bank(named: name)
                let count = try await service.entryCount(of: bank)
                Standard.output(JSONValue.object(BankJSON.fields(bank, entries: count)).rendered)
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a bank and all its entries.")
        @OptionGroup var storage: StorageOptions
        @Argument var name: String
        @Flag(help: "Delete it even though published workflows use it (their runs will fail).") var force = false

        func run() async throws {
            try await storage.run { service in
                try await service.deleteBank(named: name, force: force)
                Standard.output("deleted bank \(name)")
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import hashes into a bank.",
            discussion: """
                Formats: csv (a header naming pdq, pdq_quality, md5, sha256, external_id, source, note and any \
                metadata columns; TSV too), list (one hex hash per line: 32 digits MD5, 64 PDQ, or SHA-256 with \
                --list-sha256), ncmec-xml (NCMEC Hash Sharing v2 entries; deletions remove), images (a file or a \
                folder, hashed). Detected from the content when --format is omitted. Rows are written in atomic \
                batches; a malformed row is rejected with its line number and writes nothing.
                """)
        @OptionGroup var storage: StorageOptions
        @Argument var name: String
        @Argument(help: "File or folder.") var path: String
        @Option var format: ImportFormat?
        @Flag(help: "In list format, 64-digit lines are SHA-256, not PDQ.") var listSha256 = false
        @Option(help: "Recorded as who added the entries.") var addedBy = "cli"
        @Option(help: "Rows written per transaction: larger batches import big lists faster and use more memory (1M rows: ~1 GB).")
        var batchRows = 1_000_000
        @OptionGroup var limits: DecodeLimitOptions

        func validate() throws {
            guard (1...5_000_000).contains(batchRows) else { throw ValidationError("--batch-rows must be between 1 and 5000000, got \(batchRows)") }
        }

        func run() async throws {
            try await storage.run { service in
                let bank = try await service.bank(named: name)
                let hashing = ImageHashingPool(limits: try await limits.decodeLimits(configFile: storage.config))
                defer { hashing.shutdown() }
                var reader = try ImportReaders.open(
                    URL(fileURLWithPath: path), format: format, listHoldsSHA256: listSha256, hashing: hashing, addedBy: addedBy)
                let bar = ProgressBar(enabled: isatty(STDERR_FILENO) == 1)
                let summary = try await service.importEntries(into: bank, from: &reader, batchSize: batchRows, progress: { fraction, summary in
                    bar.update(fraction, "\(summary.added) added, \(summary.duplicates) duplicates, \(summary.rejectedCount) rejected")
                })
                bar.finish()
                for rejection in summary.rejected { Standard.error("vigil: \(path):\(rejection.line): rejected: \(rejection.reason)") }
                if summary.rejectedCount > summary.rejected.count {
                    Standard.error("vigil: … and \(summary.rejectedCount - summary.rejected.count) more rejected rows")
                }
                Standard.output("imported into \(bank.name): \(summary.added) added, \(summary.duplicates) duplicates, \(summary.replaced) replaced, \(summary.removed) removed, \(summary.rejectedCount) rejected"
                                + (summary.lowQuality > 0 ? ", \(summary.lowQuality) with a PDQ quality below the bank's gate (kept, flagged)" : ""))
                if summary.rejectedCount > 0 { throw ExitCode(1) }
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Export a bank to standard output.")
        @OptionGroup var storage: StorageOptions
        @Argument var name: String
        @Option(help: "csv (every signal and metadata) or list (one hash per line).") var format: BankExporter.Format = .csv
        @Flag(help: "Write CSV text as it is, even cells a spreadsheet would run as formulas (=, +, -, @): for programs, not spreadsheets.")
        var raw = false

        func run() async throws {
            try await storage.run(readOnly: true) { service in
                let bank = try await service.bank(named: name)
                let out = BufferedOutput()
                let (_, skipped) = try await BankExporter.export(bank, from: service, format: format, raw: raw) { out.write($0) }
                out.flush()
                if skipped > 0 { Standard.error("vigil: \(skipped) SHA-256-only entries cannot be written in list format") }
            }
        }
    }
}

enum BankJSON {
    static func fields(_ bank: Bank, entries: Int) -> [(String, JSONValue)] {
        [("name", .string(bank.name)), ("kind", .string(bank.kind.rawValue)), ("enabled", .bool(bank.enabled)), ("deleting", .bool(bank.deleting)),
         ("pdq_threshold", .int(bank.pdqThreshold)), ("labels", .array(bank.labels.map { .string($0) })),
         ("description", .string(bank.description)), ("entries", .int(entries)),
         ("created_at", .string(Timestamp.iso8601(bank.createdAt))),
         ("updated_at", .string(Timestamp.iso8601(bank.updatedAt)))]
    }
}

/// Standard output in 64 KiB writes, for exports of millions of lines.
final class BufferedOutput {
    private var buffer = Data()

    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    func flush() {
        FileHandle.standardOutput.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}

/// A one-line progress bar on standard error, drawn only on a terminal.
final class ProgressBar {
    private let enabled: Bool
    private var lastDraw = Date.distantPast

    init(enabled: Bool) { self.enabled = enabled }

    func update(_ fraction: Double?, _ detail: String) {
        guard enabled, Date().timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = Date()
        let f = min(1, max(0, fraction ?? 0))
        let filled = Int(f * 30)
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: 30 - filled)
        FileHandle.standardError.write(Data("\r[\(bar)] \(Int(f * 100))% \(detail)\u{1B}[K".utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
