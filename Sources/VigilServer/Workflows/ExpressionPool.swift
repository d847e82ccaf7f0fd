import NIOPosix
public import Workflows

/// Two threads of the process's own for workflow conditions and templates: each evaluation is
/// bounded by its budget, and while it runs it holds one of these, never a thread of Swift's
/// cooperative pool that health checks and lookups need.
public struct ExpressionPool: ExpressionThreads {
    /// Started once and never stopped: a pool for the life of the process.
    static let threads: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        return pool
    }()

    public init() {}

    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await Self.threads.runIfActive(work)
    }
}
