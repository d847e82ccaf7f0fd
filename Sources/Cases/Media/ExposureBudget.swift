public import Foundation

/// How much evidence one reviewer may see in a shift: caps on reveals and on seconds revealed in
/// a rolling window, and how long a revealed file stays clear before it blurs again. Blurring
/// alone does not protect reviewers; a cap on what each one sees does. Queues and priorities can
/// have caps of their own (`ExposureLimit`), each counted over the reveals for such cases. Near a
/// cap the reviewer is warned; at it reveals are refused until the oldest leave the window, and
/// the reviewer is pointed to work that needs no image.
public struct ExposureBudget: Sendable, Equatable {
    /// Reveals one person may make in a shift.
    public var revealsPerShift: Int
    /// Seconds one person may have files revealed in a shift.
    public var secondsPerShift: Int
    /// The rolling window a shift is.
    public var shiftHours: Int
    /// A revealed file blurs again after this long: the most one reveal counts as seen.
    public var revealSeconds: Int

    /// Warned from this share of a cap on.
    public static let warnShare = 0.8

    public init(revealsPerShift: Int = 60, secondsPerShift: Int = 1800, shiftHours: Int = 8, revealSeconds: Int = 30) {
        self.revealsPerShift = revealsPerShift
        self.secondsPerShift = secondsPerShift
        self.shiftHours = shiftHours
        self.revealSeconds = revealSeconds
    }

    public var shift: TimeInterval { Double(shiftHours) * 3600 }

    /// The cap every reveal counts against.
    public var shiftLimit: ExposureLimit { ExposureLimit(scope: .shift, revealsPerShift: revealsPerShift, secondsPerShift: secondsPerShift) }

    /// The least a reveal counts, however soon it is hidden: the file was sent whole, and the time
    /// is what the reviewer's page (or API client) reports.
    public static let minimumSeconds = 5

    /// How long a reveal counts as seen: until it was hidden (measured), at least `minimumSeconds`
    /// and at most `revealSeconds`; one not hidden counts in full (the page blurs it then), so a
    /// closed tab is never counted short.
    public func seconds(of reveal: MediaReveal) -> Double {
        guard let ended = reveal.endedAt else { return Double(revealSeconds) }
        let floor = Double(min(Self.minimumSeconds, revealSeconds))
        return min(Double(revealSeconds), max(floor, ended.timeIntervalSince(reveal.at)))
    }

    /// `actor`'s exposure given their reveals in the shift, against the shift's cap and each of `limits`.
    public func exposure(of actor: String, reveals: [MediaReveal], limits: [ExposureLimit]) -> Exposure {
        let sorted = reveals.sorted { $0.at < $1.at }
        let uses = ([shiftLimit] + limits).map { limit in use(of: limit, reveals: sorted.filter(limit.scope.counts)) }
        return Exposure(actor: actor, budget: self, shift: uses[0], scoped: Array(uses.dropFirst()))
    }

    /// One cap's use: counts and seconds, and when it eases (the oldest reveals leave the window
    /// until one more reveal, at its full length, fits both caps again).
    func use(of limit: ExposureLimit, reveals oldestFirst: [MediaReveal]) -> ExposureUse {
        let seconds = oldestFirst.map(seconds(of:))
        var count = oldestFirst.count
        var total = seconds.reduce(0, +)
        var easesAt: Date?
        for (index, reveal) in oldestFirst.enumerated() {
            if ExposureUse.fits(reveals: count, seconds: total, limit: limit, revealSeconds: revealSeconds) { break }
            count -= 1
            total -= seconds[index]
            easesAt = reveal.at.addingTimeInterval(shift)
        }
        return ExposureUse(limit: limit, reveals: oldestFirst.count, seconds: Int(seconds.reduce(0, +).rounded(.up)),
                           revealSeconds: revealSeconds, easesAt: easesAt)
    }
}
