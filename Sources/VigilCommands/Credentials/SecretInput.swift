import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A secret typed at a prompt (not echoed) or piped on standard input, one line per secret —
/// never an argument, which would stay in the shell's history and in every process listing.
enum SecretInput {
    struct Missing: Error, CustomStringConvertible {
        let field: String
        var description: String { "\(field): no value on standard input (give one line per secret field)" }
    }

    static func read(_ field: String) throws -> String {
        if isatty(STDIN_FILENO) == 1 {
            FileHandle.standardError.write(Data("\(field) (not shown): ".utf8))
            var saved = termios()
            tcgetattr(STDIN_FILENO, &saved)
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet)
            defer {
                tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
                FileHandle.standardError.write(Data("\n".utf8))
            }
            guard let line = readLine(strippingNewline: true), !line.isEmpty else { throw Missing(field: field) }
            return line
        }
        guard let line = readLine(strippingNewline: true), !line.isEmpty else { throw Missing(field: field) }
        return line
    }
}
