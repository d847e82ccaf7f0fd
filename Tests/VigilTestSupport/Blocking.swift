import Foundation

/// Blocking work a test must do (waiting for a child process, reading its pipes) runs on a thread
/// of its own, never on one of Swift's cooperative threads: there are as many of those as cores
/// (two here), and a test process's own servers (an origin, a mock) answer a child only while one
/// is free. Two tests blocking both in `waitUntilExit` while their children waited on such a
/// server would hang the suite.
public enum Blocking {
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
        }
    }
}
