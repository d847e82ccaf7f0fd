import Access
import ArgumentParser
import Banks
import Foundation
import Hummingbird
import HummingbirdCore
import IntegrationClients
import Integrations
import Jobs
import Logging
import NIOCore
import Screening
import Synchronization
import SafeFetch
import ServiceLifecycle
import Cases
import Composition
import Storage
import Vault
import VigilServer
import Workflows

/// `vigil serve`: the HTTP service.
@available(macOS 10.15, *)
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the HTTP service: native /v1 API, PhotoDNA- and HMA-compatible APIs.",
        discussion: """
            Settings come from flags, then VIGIL_* variables, then the JSON file named by --config \
            (VIGIL_CONFIG), then defaults. On an empty data directory the first start prints a new \
            admin API key once and creates a demo bank. SIGTERM drains requests in flight, then exits.
            """)

    @Option(help: ArgumentHelp("Address to listen on (env VIGIL_HOST; default 127.0.0.1).", valueName: "host"))
    var host: String?

    @Option(help: ArgumentHelp("Port (env VIGIL_PORT; default 8080).", valueName: "port"))
    var port: Int?

    @OptionGroup var storage: StorageOptions

    @Option(help: ArgumentHelp("Let the URL fetcher reach this non-global range (repeatable; env VIGIL_FETCH_ALLOW, comma-separated).",
                               valueName: "cidr"))
    var fetchAllow: [String] = []

    @Option(help: ArgumentHelp("Let NCMEC and PhotoDNA credentials use this origin besides the services' own, e.g. a proxy "
                               + "(repeatable; env VIGIL_INTEGRATION_ENDPOINTS, comma-separated).", valueName: "origin"))
    var integrationEndpoint: [String] = []

    @Option(help: ArgumentHelp("Trust requests from this reverse proxy range without a key (repeatable; env VIGIL_TRUSTED_PROXIES).",
                               valueName: "cidr"))
    var trustedProxy: [String] = []

    @Option(help: ArgumentHelp("Role of requests a trusted proxy vouches for: matcher, curator or admin.", valueName: "role"))
    var trustedProxyRole: String?

    @Flag(help: "On an empty data directory, do not create the demo bank (production first starts).")
    var noDemoBank = false

    @Option(help: ArgumentHelp("trace, debug, info, notice, warning, error or critical (env VIGIL_LOG_LEVEL).", valueName: "level"))
    var logLevel: String?

    func run() async throws {
        ProcessMemory.limitMallocArenas()
        try await CommandFailure.run {
            let configuration = try await ServeConfiguration.resolve(flags: self)
            let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
            LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
            let traces = try configuration.tracesEndpoint.map { try TraceExport.start(endpoint: $0, logger: Logger(label: "vigil")) }
            try await Self.serve(configuration, traces: traces)
        }
    }

    /// - Parameter traces: the span exporter, when tracing is on (`TraceExport`).
    static func serve(_ configuration: ServeConfiguration, traces: (any Service)? = nil) async throws {
        let logger = Logger(label: "vigil")
        try await VigilDatabase.withOpen(configuration.database) { database in
            let stores = Stores(database)
            let banks = Assemble.banks(stores, index: .following(updates: IndexUpdateThreads.runner))
            let keys = KeyService(store: stores.keys)
            let dataDirectory = URL(fileURLWithPath: configuration.dataDirectory)
            let firstRun = try await FirstRun.prepare(banks: banks, keys: keys, dataDirectory: dataDirectory,
                                                      demoBank: configuration.demoBank)
            try announce(firstRun, configuration: configuration, dataDirectory: dataDirectory, logger: logger)

            var settings = configuration.settings
            settings.nodeID = try NodeIdentity.load(dataDirectory: dataDirectory)
            try PrivateDataDirectory.secure(dataDirectory)
            let fetcher = SafeURLFetcher(policy: configuration.fetchPolicy)
            // One PhotoDNA client for the process: credential tests and workflow steps share its pacing.
            let photoDNA = PhotoDNAClient(fetcher: fetcher)
            // The credential vault's key: refused here, before serving, if it is not the one the
            // stored credentials were sealed with.
            let vault = try await CredentialVault.open(database: database, dataDirectory: dataDirectory,
                                                       destinations: EndpointRules(gate: fetcher.gate, allowedOrigins: configuration.integrationEndpoints),
                                                       probes: try CredentialProbes.standard(fetcher: fetcher, photoDNA: photoDNA))
            if vault.createdKeyFile { logger.notice("created the master key file", metadata: ["file": "\(CredentialVault.keyFile(dataDirectory).path)"]) }
            if vault.finishedRotation { logger.notice("finished an interrupted master key rotation", metadata: ["file": "\(CredentialVault.keyFile(dataDirectory).path)"]) }
            let credentials = vault.credentials
            // Evidence lives in the database: files an earlier version kept here are moved in.
            let moved = try await EvidenceFileMove.run(database: database, directory: dataDirectory.appendingPathComponent("evidence"),
                                                       key: try await credentials.evidenceKey())
            if moved.moved > 0 { logger.notice("moved evidence files into the database", metadata: ["files": "\(moved.moved)"]) }
            if !moved.missing.isEmpty {
                logger.warning("evidence files not in this data directory; the replica that kept them moves them in when it starts",
                               metadata: ["files": "\(moved.missing.count)"])
            }
            let application = try await VigilApplication.assemble(stores, banks: banks, keys: keys, credentials: credentials, fetcher: fetcher,
                                                                  photoDNA: photoDNA,
                                                                  options: .init(settings: settings, importBatchRows: configuration.importBatchRows))
            let service = application.service
            try await FirstRun.prepareWorkflows(service.workflows, audit: service.audit, demo: firstRun.demoBank != nil)
            // Before the server answers: every event committed once it serves starts its workflows.
            try await EventTableTriggers(triggers: service.triggers, events: service.events).start()
            let jobLogger = Logger(label: "vigil.jobs")
            let workers = (0..<configuration.jobConcurrency).map { _ in
                application.worker(application.jobHandlers, lease: configuration.jobLease, logger: jobLogger)
            }
            let workflowWorkers = (0..<configuration.workflowConcurrency).map { _ in
                application.worker(application.runHandlers, lease: configuration.jobLease, logger: jobLogger)
            }
            let router = VigilRouter.build(service: service, accessLogger: Logger(label: "vigil.access"))
            let app = Application(
                router: router,
                // Idle connections are closed after a minute, slow requests after their grace
                // (ConnectionRules), so slow or abandoned clients cannot pile up.
                server: .guardedHTTP1(configuration: .init(additionalChannelHandlers: [ExpectContinueHandler()], idleTimeout: .seconds(60)),
                                      rules: configuration.connections,
                                      closed: { reason in service.metrics.recordOutcome(.connections, kind: "http", outcome: reason) }),
                configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Vigil",
                                     availableConnectionsDelegate: MaximumAvailableConnections(configuration.connections.maxConnections)),
                // The span exporter first: services stop in reverse order, so it sends what the others' shutdown traced.
                services: Array([traces].compactMap { $0 }) + [IndexLoader(service: service, database: database, logger: logger),
                           JobWorkers(service: service, workers: workers + workflowWorkers), Every.bankSyncs(service, logger: Logger(label: "vigil.sync")),
                           EventFollowers(service: service, database: database, logger: Logger(label: "vigil.events")),
                           Every.evidencePurge(service, logger: Logger(label: "vigil.evidence")),
                           Every.screening(service, logger: Logger(label: "vigil.screening")),
                           Every.dashboardUpkeep(service, logger: Logger(label: "vigil.dashboard"))],
                onServerRunning: { channel in
                    logger.notice("listening", metadata: [
                        "address": .string(channel.localAddress?.description ?? "?"), "database": .string(configuration.database.description),
                    ])
                },
                logger: Logger(label: "vigil.http"))
            try await app.runService()
        }
    }

    /// First start: the admin secret goes to standard output once; nothing else ever prints it.
    /// Under systemd standard output is the journal, which keeps what it is given: there the key
    /// is written to `DATA_DIR/first-admin-key` (mode 0600, the service's user only) and the log
    /// says where, never the key.
    static func announce(_ firstRun: FirstRun.Outcome, configuration: ServeConfiguration, dataDirectory: URL, logger: Logger) throws {
        guard let secret = firstRun.adminSecret else { return }
        if SystemdNotify.standardOutputIsJournal() {
            let file = dataDirectory.appendingPathComponent("first-admin-key")
            try FirstAdminKeyFile.write(secret, to: file)
            logger.notice("first start: created an admin API key and wrote it to a file readable by this service's user only; read it, store it safely, delete the file",
                          metadata: ["file": "\(file.path)"])
            return
        }
        let base = "http://\(configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host):\(configuration.port)"
        var lines = [
            "Vigil first start: created an admin API key. It is shown only now; store it safely:",
            "",
            "    \(secret)",
            "",
        ]
        if let image = firstRun.demoImages.first, let bank = firstRun.demoBank {
            lines += [
                "Demo bank \(bank.name) holds \(firstRun.demoImages.count) generated images in \(image.deletingLastPathComponent().path). Try:",
                "",
                "    curl -s -H 'Authorization: Bearer \(secret)' -H 'Content-Type: image/jpeg' \\",
                "         --data-binary @\(image.path) \(base)/v1/match",
                "",
                "The demo workflow \"Screen uploaded image\" is published: it looks an image URL up and opens a case on a match.",
                "",
                "    curl -s -H 'Authorization: Bearer \(secret)' -H 'Content-Type: application/json' \\",
                "         -d '{\"image_url\": \"https://example.org/upload.jpg\", \"account_reference_id\": \"user-1\"}' \\",
                "         \(base)/v1/workflows/Screen%20uploaded%20image/runs",
                "",
                "An image URL on this machine or your network is fetched only if the server was started with",
                "--fetch-allow for its range (--fetch-allow 127.0.0.0/8 for this machine).",
                "",
            ]
        }
        Standard.output(lines.joined(separator: "\n"))
    }
}

extension IndexLoader {
    /// A unit that is never told READY=1 fails its start after its timeout, so a failed send is
    /// logged with its reason, not hidden.
    static func tellSystemd(_ state: String, logger: Logger) {
        do { try SystemdNotify.send(state) } catch {
            logger.error("cannot tell systemd the service's state", metadata: ["state": "\(state)", "error": "\(error)"])
        }
    }
}

/// Loads the index after the server starts listening (so /status/live answers at once), trims
/// the SQLite cache the load filled, then follows the change log until shutdown: woken by
/// PostgreSQL's NOTIFY or by a poll, it applies what any process (another replica, the CLI)
/// committed. Meanwhile it hands the allocator's freed memory back to the system.
struct IndexLoader: Service {
    let service: VigilService
    let database: VigilDatabase
    let logger: Logger

    func run() async throws {
        await service.readiness.loadIndex(logger: logger)
        try? await database.releaseLoadMemory()
        await ProcessMemory.trim()
        guard service.readiness.isReady else { return try await gracefulShutdown() }
        Self.tellSystemd("READY=1", logger: logger)
        let (doorbell, ring) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let (database, service, logger) = (self.database, self.service, self.logger)
        await withDiscardingTaskGroup { group in
            group.addTask { await database.listenForBankChanges(logger: logger) { ring.yield() } }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: database.changePollInterval)
                    ring.yield()
                }
            }
            // Freed memory back to the system every half minute (see ProcessMemory).
            group.addTask { await ProcessMemory.trimPeriodically(every: .seconds(30)) }
            group.addTask {
                for await _ in doorbell {
                    do {
                        try await service.banks.syncIndex()
                    } catch {
                        logger.error("applying the change log failed; retrying at the next poll",
                                     metadata: ["error": .string(String(describing: error).prefix(300).description)])
                    }
                }
            }
            try? await gracefulShutdown()
            Self.tellSystemd("STOPPING=1", logger: logger)
            group.cancelAll()
        }
    }
}

/// Runs the job queue's workers once the index is ready (an import updates it; a workflow step
/// looks up), and keeps the live event-triggered workflows read, until shutdown. A job in flight
/// at shutdown is given back to the queue with its checkpoint: the next claim resumes it at once.
struct JobWorkers: Service {
    let service: VigilService
    let workers: [JobWorker]

    func run() async throws {
        let service = self.service
        await withDiscardingTaskGroup { group in
            group.addTask { await service.triggers.run() }
            for worker in workers {
                group.addTask {
                    guard await service.readiness.loadedIndex() else { return }
                    await worker.run(doorbell: service.jobs.doorbell)
                }
            }
            try? await gracefulShutdown()
            group.cancelAll()
        }
    }
}

/// Follows the event table: the feed of this process's SSE streams and the workflow triggers of
/// every event (woken by a local commit or PostgreSQL's NOTIFY, polling otherwise).
struct EventFollowers: Service {
    let service: VigilService
    let database: VigilDatabase
    let logger: Logger

    func run() async throws {
        let (service, database, logger) = (self.service, self.database, self.logger)
        await withDiscardingTaskGroup { group in
            let triggers = service.triggerBell
            group.addTask { await service.eventFeed.run() }
            group.addTask {
                // Subscriptions made on other replicas change which lookup events are written.
                while !Task.isCancelled {
                    do { try await service.subscribedEvents.refresh() } catch {
                        logger.error("reading webhook subscriptions failed", metadata: ["error": .string(String(describing: error).prefix(300).description)])
                    }
                    try? await Task.sleep(for: .seconds(5))
                }
            }
            group.addTask {
                guard await service.readiness.loadedIndex() else { return }
                await EventTableTriggers(triggers: service.triggers, events: service.events, logger: logger).run(wake: triggers)
            }
            group.addTask {
                await database.listenForEvents(logger: logger) {
                    service.eventFeed.doorbell.ring()
                    triggers.ring()
                }
            }
            try? await gracefulShutdown()
            group.cancelAll()
        }
    }
}

/// Runs `body` every `interval` once the index is ready, until shutdown; a failure is logged
/// and the next round tries again. Every replica runs the same schedules: what they queue is
/// claimed once (bank syncs) or harmless to repeat (the evidence purge).
struct Every: Service {
    let interval: Duration
    let what: String
    let service: VigilService
    let logger: Logger
    let body: @Sendable () async throws -> Void
    /// Run once more at shutdown (so what was counted since the last run is not lost).
    var atShutdown: (@Sendable () async throws -> Void)? = nil

    func run() async throws {
        let (interval, what, service, logger, body) = (self.interval, self.what, self.service, self.logger, self.body)
        await withDiscardingTaskGroup { group in
            group.addTask {
                guard await service.readiness.loadedIndex() else { return }
                while !Task.isCancelled {
                    do { try await body() } catch {
                        logger.error("\(what) failed", metadata: ["error": .string(String(describing: error).prefix(300).description)])
                    }
                    try? await Task.sleep(for: interval)
                }
            }
            try? await gracefulShutdown()
            group.cancelAll()
        }
        if let atShutdown {
            do { try await atShutdown() } catch {
                logger.error("\(what) failed at shutdown", metadata: ["error": .string(String(describing: error).prefix(300).description)])
            }
        }
    }

    /// Every 10 s: adds this process's lookup counts to the hourly tallies the dashboard charts and
    /// its entries' match counts to theirs (and once more at shutdown), and deletes expired
    /// dashboard sessions.
    static func dashboardUpkeep(_ service: VigilService, logger: Logger) -> Every {
        Every(interval: .seconds(10), what: "dashboard upkeep", service: service, logger: logger, body: {
            // Each on its own: one that fails keeps its counts for the next round and stops neither of the others.
            try await Self.each([{ try await service.tally.flush() }, { try await service.entryMatches.flush() },
                                 { try await service.users.purgeExpiredSessions() }])
        }, atShutdown: {
            try await Self.each([{ try await service.tally.flush() }, { try await service.entryMatches.flush() }])
        })
    }

    /// Runs every piece of work, then throws the first error any of them threw.
    static func each(_ work: [@Sendable () async throws -> Void]) async throws {
        var first: (any Error)?
        for piece in work {
            do { try await piece() } catch { first = first ?? error }
        }
        if let first { throw first }
    }

    /// Queues the bank syncs that are due, every 30 s; the store hands each to one replica.
    static func bankSyncs(_ service: VigilService, logger: Logger) -> Every {
        Every(interval: .seconds(30), what: "queueing due bank syncs", service: service, logger: logger) {
            for job in try await service.bankSync.queueDue() {
                logger.info("queued a bank sync", metadata: ["job": .stringConvertible(job.id)])
            }
        }
    }

    /// Every second: writes what lookups screened (and once more at shutdown), and queues the
    /// retroactive check of entries added since unless one is queued or running; the purge of
    /// screened signals past their retention is queued with it, once an hour.
    static func screening(_ service: VigilService, logger: Logger) -> Every {
        let last = Mutex<(check: ContinuousClock.Instant?, purge: ContinuousClock.Instant?)>((nil, nil))
        return Every(interval: .seconds(1), what: "screening upkeep", service: service, logger: logger, body: {
            let written = try await service.screening.flush()
            if written.dropped > 0 {
                logger.error("screened signals were dropped: storage took none for too long", metadata: ["dropped": .stringConvertible(written.dropped)])
            }
            let now = ContinuousClock.now
            let (check, purge) = last.withLock { last -> (Bool, Bool) in
                let check = last.check.map { $0.duration(to: now) >= .seconds(5) } ?? true
                let purge = last.purge.map { $0.duration(to: now) >= .seconds(3600) } ?? true
                if check { last.check = now }
                if purge { last.purge = now }
                return (check, purge)
            }
            // The check is queued when a match bank has entries it has not seen (and then by one replica at a time).
            if check, service.screening.isOn, try await service.screening.hasNewEntries(),
               try await service.jobs.list(kinds: [RetroCheckJob.jobKind], states: [.queued, .running], limit: 1).isEmpty {
                _ = try await service.jobs.enqueue(NewJob(kind: RetroCheckJob.jobKind, payload: try JobText.encode([String: String]()), maxAttempts: 3))
            }
            if purge, try await service.jobs.list(kinds: [ScreenedPurgeJob.jobKind], states: [.queued, .running], limit: 1).isEmpty {
                _ = try await service.jobs.enqueue(NewJob(kind: ScreenedPurgeJob.jobKind, payload: try JobText.encode([String: String]()), maxAttempts: 3))
            }
        }, atShutdown: { try await service.screening.flush() })
    }

    /// Queues the evidence purge every hour, unless one is queued or running already.
    static func evidencePurge(_ service: VigilService, logger: Logger) -> Every {
        Every(interval: .seconds(3600), what: "queueing the evidence purge", service: service, logger: logger) {
            if try await service.jobs.list(kinds: [EvidencePurgeJob.jobKind], states: [.queued, .running], limit: 1).isEmpty {
                _ = try await service.jobs.enqueue(NewJob(kind: EvidencePurgeJob.jobKind, payload: try JobText.encode([String: String]()), maxAttempts: 3))
            }
        }
    }
}

/// This data directory's identity, made on first start: jobs whose input is spooled here carry it.
enum NodeIdentity {
    static func load(dataDirectory: URL) throws -> String {
        let file = dataDirectory.appendingPathComponent("node-id")
        if let text = try? String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty {
            return text
        }
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        let id = UUID().uuidString.lowercased()
        try Data(id.utf8).write(to: file, options: .atomic)
        return id
    }
}

