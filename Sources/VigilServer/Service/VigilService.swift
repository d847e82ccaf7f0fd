import ImageSignals
public import Access
public import Banks
public import Cases
public import Events
public import Lookup
public import Reports
public import Jobs
public import ContentHashing
public import Foundation
import Hummingbird
public import Integrations
public import Logging
public import SafeFetch
import Synchronization
public import Workflows

/// What the routes work with: the lookup path, the bank and key services, the fetcher, the
/// settings and the metrics. Built once by `vigil serve` (or a test) and shared by every request.
public final class VigilService: Sendable {
    public let lookup: LookupService
    /// The threads that decode and hash images (the lookup path's `ImageHashing`): imports,
    /// evidence previews and the metrics use the pool itself.
    public let hashingPool: ImageHashingPool
    public let keys: KeyService
    public let jobs: JobQueue
    public let fetcher: SafeURLFetcher
    public let credentials: CredentialService
    public let bankSync: BankSyncService
    public let audit: any AuditLog
    public let workflows: WorkflowService
    /// Where workflow runs' images are kept, for the engine that reads them back.
    public var runImages: any RunImages { MediaRunImages(media: media) }
    /// The live event-triggered workflows; `EventTableTriggers` starts their runs from the event table.
    public let triggers: EventTriggers
    /// Rung whenever the event feed reads new events: `EventTableTriggers` reads them at once.
    public let triggerBell: Doorbell
    public let cases: CaseService
    public let accounts: AccountService
    public let events: any EventStore
    /// Follows the event table for this process's SSE streams.
    public let eventFeed: EventFeed
    /// Commits lookup events (every match) before their lookups answer, in groups.
    public let lookupEvents: EventGroupCommit
    public let webhooks: WebhookService
    /// Evidence files: encrypted, previewed, revealed on request, preserved and purged.
    public let media: EvidenceMediaService
    public let reports: ReportService
    /// Decisions on cases, with what they mean for the case's reports.
    public let review: CaseReview
    /// People who sign in to the dashboard, and their sessions.
    public let users: UserService
    /// Lookups and matches per hour, for the dashboard's charts; flushed by `vigil serve`.
    public let tally: LookupTally
    public let settings: ServerSettings
    public let metrics: ServerMetrics
    private let loadFailure = Mutex<String?>(nil)
    /// The lookup event types written beyond `match.found` (settings, and what subscriptions want).
    private let recordedLookupEvents: EventTypeSet
    /// The event types (and families) the active webhook subscriptions want.
    private let webhookTypes: EventTypeSet
    private let readyTime = Mutex<Date?>(nil)

    public var banks: BankService { lookup.banks }

    /// What the routes work with, each built once by the composition module (`Composition`),
    /// which alone knows how the services are put together.
    package init(lookup: LookupService, hashingPool: ImageHashingPool, keys: KeyService, jobs: JobQueue, fetcher: SafeURLFetcher, credentials: CredentialService,
                 bankSync: BankSyncService, audit: any AuditLog, workflows: WorkflowService, triggers: EventTriggers, triggerBell: Doorbell,
                 cases: CaseService, accounts: AccountService, events: any EventStore, eventFeed: EventFeed, lookupEvents: EventGroupCommit,
                 webhooks: WebhookService, media: EvidenceMediaService, reports: ReportService, review: CaseReview, users: UserService,
                 tally: LookupTally, settings: ServerSettings, metrics: ServerMetrics,
                 recordedLookupEvents: EventTypeSet, webhookTypes: EventTypeSet) {
        self.lookup = lookup
        self.hashingPool = hashingPool
        self.keys = keys
        self.jobs = jobs
        self.fetcher = fetcher
        self.credentials = credentials
        self.bankSync = bankSync
        self.audit = audit
        self.workflows = workflows
        self.triggers = triggers
        self.triggerBell = triggerBell
        self.cases = cases
        self.accounts = accounts
        self.events = events
        self.eventFeed = eventFeed
        self.lookupEvents = lookupEvents
        self.webhooks = webhooks
        self.media = media
        self.reports = reports
        self.review = review
        self.users = users
        self.tally = tally
        self.settings = settings
        self.metrics = metrics
        self.recordedLookupEvents = recordedLookupEvents
        self.webhookTypes = webhookTypes
    }

    /// Lookup event types written beyond `match.found` (which every match writes).
    package static func configuredLookupEvents(_ settings: ServerSettings) -> Set<String> {
        settings.recordLookupEvents ? [EventTypes.lookupCompleted] : []
    }

    /// Reads again which lookup events the webhook subscriptions want (after a change to them
    /// here, and every few seconds for changes made on other replicas).
    public func refreshRecordedLookupEvents() async throws {
        var types = Self.configuredLookupEvents(settings)
        let active = try await webhooks.list().filter(\.active)
        for subscription in active where subscription.wants(EventTypes.lookupCompleted) {
            types.insert(EventTypes.lookupCompleted)
        }
        recordedLookupEvents.set(types)
        webhookTypes.set(Set(active.flatMap(\.eventTypes)))
    }

    /// Who a request acts as, for the audit log and for what it records (a version's publisher).
    static func actor(_ context: VigilRequestContext) -> String { context.actor }

    /// Runs an administrative action and writes it to the audit log with its outcome: who (the
    /// key, or the proxy's role), what, on what, from where. A failure is recorded and rethrown.
    /// An audit log that cannot be written fails the request: an action must not go unrecorded.
    /// `resultTarget` names the target once it exists (a created credential's id).
    /// `outcome` words a result that is itself a failure (a credential test that found the key refused).
    func audited<T: Sendable>(_ context: VigilRequestContext, _ action: String, target: String,
                              resultTarget: ((T) -> String)? = nil, outcome: ((T) -> String)? = nil,
                              _ body: () async throws -> T) async throws -> T {
        return try await audit.recording(actor: Self.actor(context), action: action, target: target, remote: context.remoteAddress?.value,
                                         resultTarget: resultTarget, outcome: outcome,
                                         reason: { APIError.from($0)?.message ?? "internal error" }, body)
    }

    /// True once the index has loaded. It then follows the change log, so it never goes back.
    public var isReady: Bool { lookup.isReady }
    public var indexLoadError: String? { loadFailure.withLock { $0 } }
    /// When the index became ready (HMA's `built_to`).
    public var readySince: Date? { readyTime.withLock { $0 } }

    /// Loads the index from storage; routes that match answer 503 until this returns.
    public func loadIndex(logger: Logger) async {
        let start = ContinuousClock.now
        do {
            try await banks.loadIndex()
            markReady()
            let counts = banks.index.counts
            logger.info("index loaded", metadata: [
                "pdq": .stringConvertible(counts.pdq), "md5": .stringConvertible(counts.md5), "sha256": .stringConvertible(counts.sha256),
                "banks": .stringConvertible(counts.banks), "seconds": .string(String(format: "%.2f", start.duration(to: .now).seconds)),
                "change_log_sequence": .stringConvertible(banks.follower?.appliedSequence ?? 0),
            ])
        } catch {
            // Shutting down before the load finished (a port already in use, say) is not a failure of the load.
            if Task.isCancelled || error is CancellationError { return }
            loadFailure.withLock { $0 = String(describing: error) }
            logger.critical("index load failed", metadata: ["error": .string(String(describing: error))])
        }
    }

    /// How far this process's index has followed the change log.
    public var changeLogStatus: (applied: Int64, latest: Int64) {
        guard let follower = banks.follower else { return (0, 0) }
        return (follower.appliedSequence, follower.latestSequence)
    }

    /// Marks the index ready without loading (tests and empty databases built in-process).
    public func markReady() {
        readyTime.withLock { $0 = Date() }
        lookup.markReady()
    }

    func requireReady() throws {
        guard isReady else { throw APIError.indexLoading }
    }

    /// Decodes and hashes `bytes` on the hashing pool.
    func signals(of bytes: [UInt8], dihedral: Bool) async throws -> ContentSignals {
        try await lookup.hash(bytes, dihedral: dihedral)
    }
}

/// A set of event types read on every lookup and replaced now and then.
package final class EventTypeSet: Sendable {
    private let state = Mutex<Set<String>>([])
    package init() {}
    package var types: Set<String> { state.withLock { $0 } }
    package func set(_ types: Set<String>) { state.withLock { $0 = types } }
}
