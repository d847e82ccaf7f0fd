public import ArgumentParser

/// `vigil`: the command-line entry point.
@available(macOS 10.15, *)
public struct VigilCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "vigil",
        abstract: "Self-hostable image safety: hash images, keep hash banks, match against them.",
        version: VigilVersion.current,
        subcommands: [HashCommand.self, BankCommand.self, MatchCommand.self, ServeCommand.self, KeysCommand.self, UsersCommand.self, CredentialsCommand.self, WorkflowCommand.self, ReportCommand.self, ScreenedCommand.self, BackupCommand.self, RestoreCommand.self, MockCommand.self]
    )

    public init() {}
}

/// The release this binary is (printed by `vigil --version`).
public enum VigilVersion {
    public static let current = "0.5.0"
}
