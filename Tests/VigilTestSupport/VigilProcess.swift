public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs the built `vigil` executable, as scripts outside the project do.
public enum VigilProcess {
    public struct Output: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
        public var lines: [String] { stdout.split(separator: "\n").map(String.init) }
    }

    /// The `vigil` binary beside the test bundle (`swift build` puts both in one folder).
    public static var executable: URL {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return bundle.appendingPathComponent("vigil")
    }

    public struct Failed: Error, CustomStringConvertible {
        public let description: String
    }

    /// A new API key of `role` made by `vigil keys create` on a SQLite data directory.
    public static func newKey(role: String, dataDir: URL) async throws -> String {
        let made = try await run(["keys", "create", "--role", role, "--data-dir", dataDir.path], environment: ["VIGIL_DATABASE_URL": ""])
        guard made.status == 0 else { throw Failed(description: "vigil keys create: \(made.stderr)") }
        return made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs the command to its end, waiting on a thread of its own (`Blocking`). With `timeout`, a
    /// command still running then is killed (a test of a command that should have stopped fails,
    /// it does not hang).
    public static func run(_ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:],
                           timeout: Duration? = nil) async throws -> Output {
        try await Blocking.run { try runBlocking(arguments, stdin: stdin, environment: environment, timeout: timeout) }
    }

    static func runBlocking(_ arguments: [String], stdin: Data?, environment: [String: String], timeout: Duration? = nil) throws -> Output {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        // A machine's own OTEL_* variables would change what a traced server does (or refuse it).
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("OTEL_") }.merging(environment) { $1 }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        // Cancelled once the command ends, so a pid the system reuses later is never signalled.
        let pid = process.processIdentifier
        let killer = DispatchWorkItem { kill(pid, SIGKILL) }
        if let timeout {
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(timeout.components.seconds * 1000)), execute: killer)
        }
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        // Drain both pipes concurrently so a chatty child cannot block on a full pipe.
        nonisolated(unsafe) var errData = Data()
        let errDone = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            errDone.signal()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        killer.cancel()
        errDone.wait()
        return Output(status: process.terminationStatus,
                      stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}
