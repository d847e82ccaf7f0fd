import Foundation

/// A fresh, empty PostgreSQL database on the server named by VIGIL_TEST_DATABASE_URL
/// (scripts/with-postgres.sh starts one), dropped when this object goes. A missing server is a
/// failure, never a skip.
public final class ScratchPostgres: @unchecked Sendable {
    public let url: String
    private let server: String
    private let name: String

    public init() throws {
        guard let server = ProcessInfo.processInfo.environment["VIGIL_TEST_DATABASE_URL"] else { throw Missing() }
        self.server = server
        name = "vigil_t_\(UUID().uuidString.prefix(8).lowercased())"
        try Self.psql(server, "CREATE DATABASE \(name)")
        url = server.replacingOccurrences(of: "/vigil_test", with: "/\(name)")
    }

    /// Dropped on a thread of its own, never on the thread that lets go of this object: that is
    /// usually one of Swift's few cooperative threads, and DROP DATABASE waits until every backend
    /// of the server has absorbed a barrier — which a backend waiting for COPY data does only once
    /// its client sends more. With every cooperative thread blocked on a drop, no test could send
    /// that data: the suite hung (idle, or spinning in waitUntilExit) until its timeout.
    deinit {
        let (server, name) = (self.server, self.name)
        Thread.detachNewThread { try? Self.psql(server, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
    }

    public struct Missing: Error, CustomStringConvertible {
        public var description: String { "VIGIL_TEST_DATABASE_URL is not set: run the tests through scripts/with-postgres.sh (make test)" }
    }

    public struct Failed: Error, CustomStringConvertible {
        public let command: String
        public var description: String { "psql failed: \(command)" }
    }

    public static func psql(_ url: String, _ command: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        process.arguments = [url, "-q", "-v", "ON_ERROR_STOP=1", "-c", command]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Failed(command: command) }
    }
}
