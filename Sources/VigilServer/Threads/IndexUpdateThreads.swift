public import Banks
import NIOPosix

/// Index updates for a server: run on NIO's blocking thread pool, so a segment merge (seconds of
/// CPU at 10M hashes) never occupies one of the few threads that serve requests. The request
/// that wrote still waits for it, so its hashes are matchable when it returns.
public enum IndexUpdateThreads {
    public static let runner: BankService.IndexUpdateRunner = { update in
        do {
            try await NIOThreadPool.singleton.runIfActive { update() }
        } catch {
            update()  // the pool is shutting down: finish the update here rather than drop it
        }
    }
}
