import Basics
import ArgumentParser
import BankImport
import Banks
import Composition
import Foundation
import IntegrationClients
import Jobs
import Storage
import VigilServer

extension BankCommand {
    /// Opens storage, the vault and the bank sync pieces for one command.
    static func withSync(_ storage: StorageOptions, _ body: (BankService, BankSyncService, BankSync) async throws -> Void) async throws {
        try await CommandFailure.run {
            let dataDirectory = try await storage.dataDirectory()
            try await VigilDatabase.withOpen(try await storage.location(), mustExist: true) { database in
                let gate = try await storage.outboundGate()
                let vault = try await CredentialVault.open(database: database, dataDirectory: dataDirectory,
                                                           destinations: try await storage.endpointRules(gate: gate), probes: [])
                let stores = Stores(database)
                let banks = Assemble.banks(stores, index: .none)
                let syncing = Assemble.bankSync(stores, banks: banks, jobs: JobQueue(store: stores.jobs), credentials: vault.credentials, gate: gate)
                try await body(banks, syncing.service, syncing.sync)
            }
        }
    }

    struct Source: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a bank follow NCMEC's hash sharing or another Vigil's bank with a stored credential, or show or remove its source.",
            discussion: """
                vigil bank source NCMEC --credential ID [--interval 900]; \
                vigil bank source SHARED --kind vigil_remote --credential ID --remote-bank THEIR_BANK; \
                vigil bank source NCMEC; vigil bank source NCMEC --remove
                """)
        @OptionGroup var storage: StorageOptions
        @Argument(help: "Bank name.") var name: String
        @Option(help: ArgumentHelp("ncmec or vigil_remote.", valueName: "kind")) var kind: String = "ncmec"
        @Option(help: ArgumentHelp("A credential of the kind's integration (vigil credentials add).", valueName: "id")) var credential: String?
        @Option(help: ArgumentHelp("vigil_remote: the other Vigil's bank to follow.", valueName: "name")) var remoteBank: String?
        @Option(help: ArgumentHelp("Seconds between scheduled syncs (60 to 604800).", valueName: "seconds"))
        var interval: Int = Int(BankSource.defaultInterval)
        @Flag(help: "Stop following the list (the entries stay).") var remove = false

        func run() async throws {
            try await BankCommand.withSync(storage) { _, service, _ in
                if remove {
                    try await service.removeSource(bank: name)
                    Standard.output("bank \(name) no longer follows a hash-sharing list")
                    return
                }
                if let credential {
                    guard let kind = BankSource.Kind(rawValue: kind) else { throw ValidationError("--kind must be ncmec or vigil_remote") }
                    _ = try await service.setSource(bank: name, kind: kind, credentialID: credential, interval: TimeInterval(interval),
                                                    options: remoteBank.map { ["bank": $0] } ?? [:])
                }
                let source = try await service.source(bank: name)
                Standard.output("bank \(name) follows \(source.kind.rawValue) with credential \(source.credentialID) every \(Int(source.interval)) s")
                Standard.output("checkpoint: \(source.checkpoint ?? "none (the next sync reads the whole list)")")
                if let last = source.lastRunAt { Standard.output("last sync: \(Timestamp.iso8601(last)): \(source.lastOutcome ?? "")") }
            }
        }
    }

    struct Sync: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Bring a bank up to date with its hash-sharing list now, showing each page as it is read.")
        @OptionGroup var storage: StorageOptions
        @Argument(help: "Bank name.") var name: String

        func run() async throws {
            try await BankCommand.withSync(storage) { banks, _, sync in
                let bank = try await banks.bank(named: name)
                let outcome = try await sync.run(bankID: bank.id) { pages, summary in
                    Standard.error("page \(pages): \(summary.added) added, \(summary.updated) updated, \(summary.removed) removed so far")
                }
                let s = outcome.summary
                Standard.output("synced \(bank.name) to \(outcome.checkpoint): \(outcome.pages) pages, \(s.added) added, \(s.updated) updated, \(s.removed) removed, \(s.duplicates) unchanged, \(s.rejectedCount) rejected")
            }
        }
    }
}
