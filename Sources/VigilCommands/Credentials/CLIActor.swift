import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Who the audit log names for a command-line action: the operating-system user.
enum CLIActor {
    static var current: String { "cli:" + (ProcessInfo.processInfo.environment["USER"] ?? "uid-\(getuid())") }
}
