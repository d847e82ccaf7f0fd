import Foundation

/// A program of the system's that storage hands work to (pg_dump, pg_restore), run to its end
/// without blocking a thread of Swift's pool: its exit is awaited, its last lines of stderr are
/// the error's words.
enum ExternalTool {
    static func run(_ name: String, _ arguments: [String], environment: [String: String]) async throws {
        guard let path = locate(name, environment: environment) else {
            throw BackupError.tool("\(name) is not installed (Debian: apt-get install postgresql-client); it must be at least the server's version")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: BackupError.tool("cannot run \(path): \(error)"))
            }
        }
        guard status == 0 else {
            let said = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let last = said.split(separator: "\n").suffix(3).joined(separator: "; ")
            throw BackupError.tool("\(name) failed (exit status \(status)): \(last)")
        }
    }

    static func locate(_ name: String, environment: [String: String]) -> String? {
        let folders = (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":").map(String.init)
        return folders.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
