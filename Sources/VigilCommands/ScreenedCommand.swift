import Access
import ArgumentParser
import Foundation
import Screening
import Storage

/// `vigil screened`: what lookups screened (kept for retroactive matching). An account's signals
/// are deleted on its request, with an audit line, as `DELETE /v1/screened-signals` does.
struct ScreenedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "screened", abstract: "What lookups screened for retroactive matching: count, delete an account's.",
        subcommands: [Count.self, Delete.self])

    static func withStore(_ storage: StorageOptions, _ body: (SQLScreenedStore, SQLAuditLog) async throws -> Void) async throws {
        try await CommandFailure.run {
            try await VigilDatabase.withOpen(try await storage.location()) { database in
                try await body(SQLScreenedStore(database: database), SQLAuditLog(database: database))
            }
        }
    }

    struct Count: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "How many screened signals are kept.")
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await ScreenedCommand.withStore(storage) { store, _ in Standard.output("\(try await store.count()) screened signals kept") }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete an account's screened signals (on its request). A running server writes what it screened each second: "
                + "run this again after a minute, or use the API, which writes them first.")
        @OptionGroup var storage: StorageOptions
        @Option(help: ArgumentHelp("The account's own id, as lookups named it (account_reference_id).", valueName: "reference-id"))
        var account: String

        func validate() throws {
            guard !account.isEmpty, account.count <= 200 else { throw ValidationError("--account is 1 to 200 characters") }
        }

        func run() async throws {
            try await ScreenedCommand.withStore(storage) { store, audit in
                let deleted = try await audit.recording(actor: CLIActor.current, action: "screened.delete", target: "account:\(account)",
                                                        outcome: { (count: Int) in "ok: \(count) deleted" }) {
                    try await store.delete(accountReference: account)
                }
                Standard.output("deleted \(deleted) screened signals of \(account)")
            }
        }
    }
}
