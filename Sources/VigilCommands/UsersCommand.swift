import Basics
import Access
import ArgumentParser
import Banks
import Foundation
import Storage
import VigilServer
#if canImport(Glibc)
import Glibc
#endif

/// `vigil users`: the people who sign in to the dashboard. Passwords are read from a prompt
/// (not echoed) or, when standard input is not a terminal, from its first line; never from an
/// argument, which would leave them in the shell's history and the process list.
struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users", abstract: "Create, list and change the people who sign in to the dashboard.",
        subcommands: [Create.self, List.self, SetRole.self, Disable.self, Enable.self, Password.self])

    static func withUsers(_ storage: StorageOptions, _ body: (UserService, SQLAuditLog) async throws -> Void) async throws {
        try await CommandFailure.run {
            try await VigilDatabase.withOpen(try await storage.location()) { database in
                try await body(UserService(store: SQLUserStore(database: database), hasher: BcryptPasswords()), SQLAuditLog(database: database))
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user; the password is asked for (or read from standard input).")
        @OptionGroup var storage: StorageOptions
        @Argument(help: "The user name (a-z, 0-9, . _ - @).") var name: String
        @Option(help: ArgumentHelp("admin, curator, analyst, reviewer, reporter, matcher or viewer (README: Roles).", valueName: "role"))
        var role: String

        func run() async throws {
            guard let role = Role(rawValue: role) else { throw ValidationError("--role must be one of \(Role.names), not \(self.role)") }
            let password = try PasswordPrompt.read(confirm: true)
            try await UsersCommand.withUsers(storage) { users, audit in
                let user = try await audit.recording(actor: CLIActor.current, action: "user.create", target: "user:\(name)") {
                    try await users.create(name: name, role: role, password: password)
                }
                Standard.output("created user \(user.name) (\(user.role.rawValue))")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users (never their passwords).")
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await UsersCommand.withUsers(storage) { users, _ in
                for user in try await users.list() {
                    let state = user.isDisabled ? "disabled" : "active"
                    Standard.output("\(user.id)\t\(user.name)\t\(user.role.rawValue)\t\(state)\t\(user.lastLoginAt.map { Timestamp.iso8601($0) } ?? "never signed in")")
                }
            }
        }
    }

    struct SetRole: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-role", abstract: "Change a user's role (their sessions end).")
        @OptionGroup var storage: StorageOptions
        @Argument var name: String
        @Option var role: String

        func run() async throws {
            guard let role = Role(rawValue: role) else { throw ValidationError("--role must be one of \(Role.names), not \(self.role)") }
            try await change(storage, name, "user.set_role") { users, user in try await users.update(user.id, role: role) }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable a user: they cannot sign in and their sessions end.")
        @OptionGroup var storage: StorageOptions
        @Argument var name: String

        func run() async throws {
            try await change(storage, name, "user.disable") { users, user in try await users.update(user.id, disabled: true) }
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a disabled user again.")
        @OptionGroup var storage: StorageOptions
        @Argument var name: String

        func run() async throws {
            try await change(storage, name, "user.enable") { users, user in try await users.update(user.id, disabled: false) }
        }
    }

    struct Password: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a new password (asked for); the user's sessions end and a lock is lifted.")
        @OptionGroup var storage: StorageOptions
        @Argument var name: String

        func run() async throws {
            let password = try PasswordPrompt.read(confirm: true)
            try await change(storage, name, "user.password") { users, user in try await users.update(user.id, password: password) }
        }
    }

    static func change(_ storage: StorageOptions, _ name: String, _ action: String,
                       _ body: @escaping @Sendable (UserService, User) async throws -> User) async throws {
        try await withUsers(storage) { users, audit in
            let user = try await users.user(named: name.lowercased())
            let changed = try await audit.recording(actor: CLIActor.current, action: action, target: "user:\(user.name)") { try await body(users, user) }
            Standard.output("\(changed.name): \(changed.role.rawValue), \(changed.isDisabled ? "disabled" : "active")")
        }
    }
}

/// A new password: asked for twice at a terminal (to catch a typo), or the first line of
/// standard input when it is not one (scripts, tests), through the same reader as secrets.
enum PasswordPrompt {
    static func read(confirm: Bool) throws -> String {
        let password = try SecretInput.read("password")
        if confirm, isatty(STDIN_FILENO) == 1, try SecretInput.read("password again") != password {
            throw ValidationError("the two passwords differ")
        }
        return password
    }
}
