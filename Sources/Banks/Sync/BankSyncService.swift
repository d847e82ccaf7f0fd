public import Foundation
public import Jobs

/// Which banks follow a hash-sharing list, and their syncs: set or remove a bank's source, queue
/// a sync now, and queue the syncs the schedule says are due (each exactly once, however many
/// processes ask). The sync itself is a `bank.sync` job (BankImport's `BankSyncJob`).
public struct BankSyncService: Sendable {
    public static let jobKind = "bank.sync"
    /// The shortest schedule: NCMEC asks its members not to poll more often.
    public static let minimumInterval: TimeInterval = 60

    /// Checks, before a source is saved, that its credential fits its kind and may go where the
    /// source's options send it (NCMEC's `endpoint` of a list): an error says what is refused.
    public typealias SourceCheck = @Sendable (_ kind: BankSource.Kind, _ credentialID: String, _ options: [String: String]) async throws -> Void

    let banks: BankService
    let sources: any BankSourceStore
    let votes: any ListVoteStore
    let jobs: JobQueue
    let checkSource: SourceCheck

    public init(banks: BankService, sources: any BankSourceStore, votes: any ListVoteStore, jobs: JobQueue, checkSource: @escaping SourceCheck) {
        self.banks = banks
        self.sources = sources
        self.votes = votes
        self.jobs = jobs
        self.checkSource = checkSource
    }

    /// Makes `bankName` follow a list. The first sync is queued at once.
    public func setSource(bank bankName: String, kind: BankSource.Kind, credentialID: String,
                          interval: TimeInterval = BankSource.defaultInterval, options: [String: String] = [:],
                          sendsFeedback: Bool = false) async throws -> BankSource {
        let bank = try await banks.bank(named: bankName)
        if bank.deleting { throw BankError.beingDeleted(bank.name) }
        guard bank.kind == .match else { throw BankError.invalid("\(bank.name) is an allow bank: only match banks follow a hash-sharing list") }
        guard interval >= Self.minimumInterval, interval <= 7 * 86_400 else {
            throw BankError.invalid("interval_seconds must be from \(Int(Self.minimumInterval)) to \(7 * 86_400)")
        }
        if kind == .vigilRemote, (options["bank"] ?? "").isEmpty {
            throw BankError.invalid("a vigil_remote source needs remote_bank: the other Vigil's bank to follow")
        }

        if let reason = options["feedback_reason"], reason.isEmpty || reason.count > 200 {
            throw BankError.invalid("feedback_reason must be the name of one of the list's reasons, 1 to 200 characters")
        }
        try await checkSource(kind, credentialID, options)
        try await sources.save(BankSource(bankID: bank.id, kind: kind, credentialID: credentialID, interval: interval, options: options,
                                          sendsFeedback: sendsFeedback, nextRunAt: Date()))
        guard let saved = try await sources.source(bankID: bank.id) else { throw BankError.notFound("the source of \(bank.name)") }
        return saved
    }

    public func source(bank bankName: String) async throws -> BankSource {
        let bank = try await banks.bank(named: bankName)
        guard let source = try await sources.source(bankID: bank.id) else {
            throw BankError.notFound("a hash-sharing source for bank \(bank.name)")
        }
        return source
    }

    public func removeSource(bank bankName: String) async throws {
        let bank = try await banks.bank(named: bankName)
        guard try await sources.remove(bankID: bank.id) else { throw BankError.notFound("a hash-sharing source for bank \(bank.name)") }
    }

    /// Turns the bank's scheduled syncs on or off.
    public func setEnabled(bank bankName: String, _ enabled: Bool) async throws -> BankSource {
        let bank = try await banks.bank(named: bankName)
        guard try await sources.setEnabled(bankID: bank.id, enabled), let source = try await sources.source(bankID: bank.id) else {
            throw BankError.notFound("a hash-sharing source for bank \(bank.name)")
        }
        return source
    }

    /// The banks that follow a list, with their sources.
    public func followedBanks() async throws -> [(bank: Bank, source: BankSource)] {
        let banksByID = Dictionary(uniqueKeysWithValues: try await banks.listBanks().map { ($0.id, $0) })
        return try await sources.sources().compactMap { source in banksByID[source.bankID].map { ($0, source) } }
    }

    /// The votes reviewers' decisions sent (or are sending) back to the bank's list, newest first.
    public func votes(bank bankName: String, limit: Int) async throws -> [ListVote] {
        let bank = try await banks.bank(named: bankName)
        return try await votes.votes(bankID: bank.id, limit: limit)
    }

    /// Sends the bank's failed votes again (after the credential or the reason was put right):
    /// one job for each decision they belong to; answers how many jobs.
    public func retryVotes(bank bankName: String) async throws -> Int {
        let bank = try await banks.bank(named: bankName)
        let decisions = try await votes.requeueFailed(bankID: bank.id)
        for decision in decisions {
            _ = try await jobs.enqueue(NewJob(kind: ListFeedbackJob.jobKind, payload: try JobText.encode(decision), maxAttempts: 8))
        }
        return decisions.count
    }

    /// Queues a sync of the bank now.
    public func requestSync(bank bankName: String) async throws -> Job {
        if try await banks.bank(named: bankName).deleting { throw BankError.beingDeleted(bankName) }
        let source = try await source(bank: bankName)
        return try await enqueue(source)
    }

    /// Queues a sync for every source whose time has come, unless the bank's last sync is still
    /// queued or running (a first sync of a large list can outlast the interval, and a second sync
    /// would read the same pages again beside it: that one picks up what is new, and the next is
    /// queued an interval later). A sync asked for by hand (`requestSync`) is queued whatever is
    /// running, and none of a bank whose deletion has begun (`claimDue` leaves those out). Answers
    /// the jobs queued.
    public func queueDue(at now: Date = Date()) async throws -> [Job] {
        let due = try await sources.claimDue(at: now)
        guard !due.isEmpty else { return [] }
        // One unfinished sync per bank at most (the store lists up to 1,000, newest first). A job
        // whose payload names no bank syncs none: it does not hold any bank's schedule back.
        let unfinished = try await jobs.list(kinds: [Self.jobKind], states: [.queued, .running], limit: 1000)
        let syncing = Set(unfinished.compactMap { (try? JobText.payload([String: Int64].self, of: $0))?["bank_id"] })
        var queued: [Job] = []
        for source in due where !syncing.contains(source.bankID) { queued.append(try await enqueue(source)) }
        return queued
    }

    func enqueue(_ source: BankSource) async throws -> Job {
        let payload = try JobText.encode(["bank_id": source.bankID])
        return try await jobs.enqueue(NewJob(kind: Self.jobKind, payload: payload, maxAttempts: 5))
    }
}
