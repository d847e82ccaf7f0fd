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

/// The retroactive check's searches: one thread of its own, so a page's search (tens of
/// milliseconds) never takes the blocking pool SQLite, bcrypt and DNS run on.
public enum RetroSearchThreads {
    static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        return pool
    }()

    public static let runner: BankService.IndexUpdateRunner = { search in
        do {
            try await pool.runIfActive { search() }
        } catch {
            search()  // the pool is shutting down: finish here rather than drop the check
        }
    }
}
