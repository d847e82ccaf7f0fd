public import Jobs

/// `screened.retro_check`: checks the entries added to match banks since the last check against
/// what was screened (`RetroactiveMatcher`). Queued by `vigil serve` every few seconds unless one
/// is queued or running; safe to repeat (each pair is reported once, and the cursor moves only
/// from where a check read it).
public struct RetroCheckJob: JobHandler {
    public static let jobKind = "screened.retro_check"
    public let kind = RetroCheckJob.jobKind
    public let safeToRepeat = true
    let screening: ScreeningService

    public init(screening: ScreeningService) { self.screening = screening }

    public func run(_ job: Job, context: JobContext) async throws -> String? {
        // What was screened up to now is written first, so an image screened a moment ago is checked too.
        try await screening.flush()
        let done = try await screening.matcher.checkNew(isCancelled: { context.isCancelled })
        return try JobText.encode(["entries": done.entries, "hits": done.hits.count])
    }
}

/// `screened.purge`: drops the screened signals past their retention, whole days at a time.
public struct ScreenedPurgeJob: JobHandler {
    public static let jobKind = "screened.purge"
    public let kind = ScreenedPurgeJob.jobKind
    public let safeToRepeat = true
    let screening: ScreeningService

    public init(screening: ScreeningService) { self.screening = screening }

    public func run(_ job: Job, context: JobContext) async throws -> String? {
        try JobText.encode(["dropped": try await screening.purge()])
    }
}
