import Basics
import Access
import ArgumentParser
import Banks
import Foundation
import Storage
import Vault

/// `vigil keys`: API keys, stored hashed.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Create, list and revoke API keys; rotate the credential vault's master key.",
        subcommands: [Create.self, List.self, Revoke.self, RotateMaster.self])

    static func withKeys(_ storage: StorageOptions, _ body: (KeyService) async throws -> Void) async throws {
        try await CommandFailure.run {
            try await VigilDatabase.withOpen(try await storage.location()) { database in
                try await body(KeyService(store: SQLKeyStore(database: database)))
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key and print it alone on standard output (shown only now).")
        @OptionGroup var storage: StorageOptions
        @Option(help: ArgumentHelp("admin, curator, analyst, reviewer, reporter, matcher or viewer (README: Roles).", valueName: "role"))
        var role: String
        @Option(help: "A label to recognise the key by.") var label: String = ""

        func run() async throws {
            guard let role = Role(rawValue: role) else { throw ValidationError("--role must be one of \(Role.names), not \(self.role)") }
            try await KeysCommand.withKeys(storage) { keys in
                let issued = try await keys.issue(role: role, label: label)
                Standard.output(issued.secret)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (never their secrets).")
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await KeysCommand.withKeys(storage) { keys in
                for key in try await keys.list() {
                    let state = key.revokedAt.map { "revoked \(Timestamp.iso8601($0))" } ?? "active"
                    Standard.output("\(key.id)\t\(key.role.rawValue)\t\(key.prefix)…\t\(state)\t\(key.label)")
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by id; a running server stops accepting it within 30 s.")
        @OptionGroup var storage: StorageOptions
        @Argument(help: "Key id (from `vigil keys list`).") var id: Int64

        func run() async throws {
            try await KeysCommand.withKeys(storage) { keys in
                let key = try await keys.revoke(id: id)
                Standard.output("revoked key \(key.id) (\(key.prefix)…)")
            }
        }
    }

    struct RotateMaster: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-master",
            abstract: "Re-encrypt every stored secret under a new master key, in one transaction.",
            discussion: """
                With the key file (DATA_DIR/master.key) a new key is generated and replaces it. With \
                VIGIL_MASTER_KEY the new key comes from VIGIL_NEW_MASTER_KEY; set VIGIL_MASTER_KEY to it \
                afterwards. Restart every vigil serve after a rotation: a running one still holds the old key.
                """)
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await CommandFailure.run {
                let dataDirectory = try await storage.dataDirectory()
                try await VigilDatabase.withOpen(try await storage.location(), mustExist: true) { database in
                    let rotation = try await SQLAuditLog(database: database).recording(
                        actor: CLIActor.current, action: "vault.rotate_master", target: "vault",
                        outcome: { (rotation: CredentialVault.Rotation) in "ok: \(rotation.credentials) credentials re-sealed" }) {
                        try await CredentialVault.rotate(database: database, dataDirectory: dataDirectory)
                    }
                    let place = rotation.keyFile.map { "the new key replaced \($0.path)" } ?? "set VIGIL_MASTER_KEY to VIGIL_NEW_MASTER_KEY's value on every replica"
                    Standard.output("re-sealed \(rotation.credentials) credentials under a new master key; \(place); restart every vigil serve")
                }
            }
        }
    }
}
