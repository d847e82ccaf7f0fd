public import Storage

/// Every store of the application, each aggregate's SQL over one database (SQLite or
/// PostgreSQL). Evidence bytes are not here: they are sealed with the vault's evidence key, which
/// only an opened vault gives (`Assemble.evidence`).
public struct Stores: Sendable {
    public let database: VigilDatabase
    public let banks: SQLBankStore
    public let bankSources: SQLBankSourceStore
    public let keys: SQLKeyStore
    public let jobs: SQLJobStore
    public let audit: SQLAuditLog
    public let workflows: SQLWorkflowStore
    public let cases: SQLCaseStore
    public let events: SQLEventStore
    public let webhooks: SQLWebhookStore
    public let media: SQLMediaStore
    public let reports: SQLReportStore
    public let users: SQLUserStore
    public let tally: SQLLookupTallyStore
    public let screened: SQLScreenedStore
    public let listVotes: SQLListVoteStore

    public init(_ database: VigilDatabase) {
        self.database = database
        banks = SQLBankStore(database: database)
        bankSources = SQLBankSourceStore(database: database)
        keys = SQLKeyStore(database: database)
        jobs = SQLJobStore(database: database)
        audit = SQLAuditLog(database: database)
        workflows = SQLWorkflowStore(database: database)
        cases = SQLCaseStore(database: database)
        events = SQLEventStore(database: database)
        webhooks = SQLWebhookStore(database: database)
        media = SQLMediaStore(database: database)
        reports = SQLReportStore(database: database)
        users = SQLUserStore(database: database)
        tally = SQLLookupTallyStore(database: database)
        screened = SQLScreenedStore(database: database)
        listVotes = SQLListVoteStore(database: database)
    }
}
