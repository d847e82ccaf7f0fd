import Basics
public import Access
public import Banks
public import Cases
public import Events
public import Lookup
public import Reports
public import Jobs
import ContentHashing
public import Foundation
import Hummingbird
import ImageCodecs
public import Integrations
public import Logging
import PDQ
public import SafeFetch
import Synchronization
public import Workflows

/// What the routes work with: the lookup path, the bank and key services, the fetcher, the
/// settings and the metrics. Built once by `vigil serve` (or a test) and shared by every request.
public final class VigilService: Sendable {
    public let lookup: LookupService
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
    public let triggerBell = Doorbell()
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

    public init(banks: BankService, keys: KeyService, jobs: JobQueue, fetcher: SafeURLFetcher, credentials: CredentialService,
                bankSources: any BankSourceStore, audit: any AuditLog, workflowStore: any WorkflowStore,
                caseStore: any CaseStore, eventStore: any EventStore, webhookStore: any WebhookStore,
                mediaStore: any MediaStore, mediaFiles: any MediaFiles, reportStore: any ReportStore,
                userStore: any UserStore, tallyStore: any LookupTallyStore, passwords: any PasswordHasher = BcryptPasswords(),
                settings: ServerSettings = ServerSettings(), metrics: ServerMetrics = ServerMetrics(),
                clock: @escaping @Sendable () -> Date = { Date() }) {
        let hashing = ImageHashingPool(threads: settings.hashingThreads, queueLimit: settings.hashingQueueLimit,
                                       limits: settings.decodeLimits, budget: DecodeMemoryBudget(capacity: settings.decodeMemoryBytes))
        let media = EvidenceMediaService(store: mediaStore, files: mediaFiles, previews: PoolPreviews(pool: hashing),
                                         policy: settings.preservation, clock: clock)
        let workflows = WorkflowService(store: workflowStore, jobs: jobs, images: MediaRunImages(media: media), credentials: {
            Dictionary(try await credentials.list().map { ($0.id, $0.integration) }, uniquingKeysWith: { first, _ in first })
        })
        self.workflows = workflows
        let triggers = EventTriggers(workflows: workflows, evaluation: ExpressionPool())
        self.triggers = triggers
        // What waits on new events is woken for the events it waits on, not for every commit:
        // at hundreds of matches a second, waking every worker and follower each time would
        // take more of the database than the commits themselves.
        let webhookTypes = EventTypeSet()
        self.webhookTypes = webhookTypes
        let wake: @Sendable ([String]) -> Void = { [doorbell = jobs.doorbell, triggerBell] types in
            let patterns = webhookTypes.types
            if types.contains(where: { EventTypes.matches(Array(patterns), $0) }) { doorbell.ring() }
            if types.contains(where: { triggers.wants($0) }) { triggerBell.ring() }
        }
        let feed = EventFeed(store: eventStore, onNewEvents: { page in wake(page.map(\.type)) },
                             needsPages: { !webhookTypes.types.isEmpty || !triggers.listenedTypes.isEmpty })
        eventFeed = feed
        let committer = EventGroupCommit(store: eventStore, clock: clock, committed: { [feed] events in
            if feed.hasSubscribers { feed.doorbell.ring() }
            wake(events.map(\.type))
            metrics.recordEventTransaction()
        })
        lookupEvents = committer
        let recorded = EventTypeSet()
        recorded.set(Self.configuredLookupEvents(settings))
        recordedLookupEvents = recorded
        // A lookup whose event some live workflow listens for is written too: workflows start
        // from the event table, like every other event.
        let recorder = LookupEventCommitter(committer: committer, metrics: metrics) {
            var wanted = recorded.types
            if triggers.wants(EventTypes.lookupCompleted) { wanted.insert(EventTypes.lookupCompleted) }
            return wanted
        }
        self.lookup = LookupService(banks: banks, hashing: hashing, metrics: metrics, recorder: recorder)
        self.keys = keys
        self.jobs = jobs
        self.fetcher = fetcher
        self.credentials = credentials
        self.bankSync = BankSyncService(banks: banks, sources: bankSources, jobs: jobs, checkSource: SourceDestinations.check(credentials))
        self.audit = audit
        // Deleting what a published workflow uses is refused unless forced: one click must not break screening.
        banks.checkUsers { bank in try await workflows.liveUsers(ofBank: bank.name) }
        self.settings = settings
        self.metrics = metrics
        self.media = media
        cases = CaseService(store: caseStore, banks: banks, media: media, clock: clock)
        accounts = AccountService(store: caseStore, statuses: settings.accountStatuses, clock: clock)
        reports = ReportService(store: reportStore, cases: cases, media: media, banks: banks,
                                wake: { [doorbell = jobs.doorbell] in doorbell.ring() }, clock: clock)
        review = CaseReview(cases: cases, reports: reports)
        events = eventStore
        users = UserService(store: userStore, hasher: passwords, clock: clock)
        let tally = LookupTally(store: tallyStore)
        self.tally = tally
        lookup.observe(isListening: { _ in true }) { event in tally.count(matched: event.isMatch) }
        webhooks = WebhookService(store: webhookStore, checkCredential: { [fetcher] id in
            let credential: OpenedCredential
            do { credential = try await credentials.open(id: id) } catch { throw WebhookError.invalid("credential \(id): \(error)") }
            guard credential.integration == "webhook", let url = credential.values["url"] else {
                throw WebhookError.invalid("credential \(id) is a \(credential.integration) credential, not a webhook credential")
            }
            do { _ = try await fetcher.checkDestination(url) } catch { throw WebhookError.invalid("the URL of credential \(id) is refused: \(error)") }
        }, clock: clock)
        let users = CredentialUsers(
            workflows: WorkflowUsage(store: workflowStore), reportSettings: { [reports] in try await reports.settings() },
            bankSources: { [bankSync] in try await bankSync.followedBanks().map { ($0.bank.name, $0.source.credentialID) } },
            webhookSubscriptions: { [webhooks] in try await webhooks.list() },
            integration: { [credentials] id in try await credentials.show(id: id).integration })
        credentials.checkUsers { id in try await users.users(of: id) }
    }

    /// Lookup event types written beyond `match.found` (which every match writes).
    static func configuredLookupEvents(_ settings: ServerSettings) -> Set<String> {
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
final class EventTypeSet: Sendable {
    private let state = Mutex<Set<String>>([])
    var types: Set<String> { state.withLock { $0 } }
    func set(_ types: Set<String>) { state.withLock { $0 = types } }
}
