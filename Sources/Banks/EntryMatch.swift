public import PDQ

/// One bank entry a query matched, with every signal of it that matched.
public struct EntryMatch: Sendable, Hashable {
    public var bank: Bank
    public var entryID: Int64
    /// The signals that matched, PDQ first, then MD5, then SHA-256.
    public var signals: [MatchedSignal]
    /// The PDQ distance when PDQ matched, else nil.
    public var pdqDistance: Int?
    /// The dihedral variant of the query that matched (PDQ only).
    public var variant: DihedralVariant?

    public init(bank: Bank, entryID: Int64, signals: [MatchedSignal], pdqDistance: Int?, variant: DihedralVariant?) {
        self.bank = bank
        self.entryID = entryID
        self.signals = signals
        self.pdqDistance = pdqDistance
        self.variant = variant
    }

    /// The PDQ distance when PDQ matched; 0 for an entry matched by an exact digest alone.
    public var distance: Int { pdqDistance ?? 0 }

}

/// A match-bank entry an allow-bank entry suppressed, and that allow entry.
public struct SuppressedMatch: Sendable, Hashable {
    public var match: EntryMatch
    public var by: EntryMatch

    public init(match: EntryMatch, by: EntryMatch) {
        self.match = match
        self.by = by
    }
}

/// The allow rule, the same for every API. Each entry's nearness to the query is ranked: holding
/// the query's very bytes (an equal MD5 or SHA-256) is nearest, then a PDQ at distance 0, 1, 2…
/// of the image as it is, each just ahead of the same distance to a turned copy of it (enhanced
/// matching's rotations and flips). A match-bank entry is suppressed only by an allow entry
/// strictly nearer to the query than it; a tie keeps the match, except where both hold the query
/// itself by the same kind of signal (both its bytes, or both its very PDQ hash): that is a
/// curator's explicit override.
///
/// So an allow entry made from a resized copy of a known image (PDQ distance 4) never suppresses
/// the known image itself; it still suppresses the copy it was made from, which it holds more
/// nearly than the match entry does.
public enum AllowRule {
    /// The allow entry that suppresses `match`, or nil. Of several, the nearest.
    public static func suppressor(of match: EntryMatch, among allowed: [EntryMatch]) -> EntryMatch? {
        let bar = rank(match)
        let candidates = allowed.filter { allow in
            let rank = rank(allow)
            return rank < bar || (rank == bar && (bar == bytes || bar == samePDQ))
        }
        return candidates.min { (rank($0), $0.entryID) < (rank($1), $1.entryID) }
    }

    /// Splits the match-bank entries into those that stand and those suppressed.
    public static func apply(matches: [EntryMatch], allowed: [EntryMatch]) -> (matches: [EntryMatch], suppressed: [SuppressedMatch]) {
        guard !allowed.isEmpty else { return (matches, []) }
        var standing: [EntryMatch] = []
        var suppressed: [SuppressedMatch] = []
        for match in matches {
            if let by = suppressor(of: match, among: allowed) {
                suppressed.append(SuppressedMatch(match: match, by: by))
            } else {
                standing.append(match)
            }
        }
        return (standing, suppressed)
    }

    /// The entry holds the query's bytes (MD5 or SHA-256): the nearest there is.
    static let bytes = 0
    /// The entry holds the image's own PDQ (distance 0, not a turned copy's).
    static let samePDQ = 2

    /// `bytes`, else 2(d + 1) for a PDQ at distance d of the image as it is, plus one for a turned copy.
    static func rank(_ entry: EntryMatch) -> Int {
        if entry.signals.contains(.md5) || entry.signals.contains(.sha256) { return bytes }
        guard let distance = entry.pdqDistance else { return Int.max }
        let turned = entry.variant.map { $0 != .original } ?? false
        return 2 * (distance + 1) + (turned ? 1 : 0)
    }
}
