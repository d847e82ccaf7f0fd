public import Logging
import PostgresNIO

extension VigilDatabase {
    /// How often a follower polls the change log when nothing wakes it: SQLite has no
    /// notifications, so polling is how its followers learn (well inside the 1 s freshness goal);
    /// on PostgreSQL, NOTIFY wakes them and the poll only covers a lost listener connection.
    public var changePollInterval: Duration { dialect == .sqlite ? .milliseconds(200) : .seconds(1) }

    /// Calls `wake` whenever a change to banks or entries commits (PostgreSQL's LISTEN on the
    /// channel every writing transaction NOTIFYs), and once after each (re)connection, for what it
    /// may have missed. Returns at once on SQLite. Runs until cancelled; a lost connection is
    /// opened again after a second.
    public func listenForBankChanges(logger: Logger, _ wake: @escaping @Sendable () -> Void) async {
        await listen(on: ChangeLogSQL.channel, connectionID: 4, logger: logger, wake)
    }

    /// Calls `wake` whenever events commit (PostgreSQL), as `listenForBankChanges` does for banks.
    public func listenForEvents(logger: Logger, _ wake: @escaping @Sendable () -> Void) async {
        await listen(on: EventSQL.channel, connectionID: 5, logger: logger, wake)
    }

    private func listen(on channel: String, connectionID: Int, logger: Logger, _ wake: @escaping @Sendable () -> Void) async {
        guard dialect == .postgres else { return }
        while !Task.isCancelled {
            do {
                try await withExtraPostgresConnection(id: connectionID) { connection in
                    try await connection.listen(on: channel) { notifications in
                        wake()
                        for try await _ in notifications { wake() }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning("\(channel) listener lost; polling until it is back",
                               metadata: ["error": .string(String(describing: error).prefix(300).description)])
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}
