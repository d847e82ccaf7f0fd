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

    /// The signals by which the entry holds the query itself: an equal MD5 or SHA-256, or a PDQ at
    /// distance 0.
    public var exactSignals: Set<MatchedSignal> {
        var exact = Set(signals.filter { $0 != .pdq })
        if pdqDistance == 0 { exact.insert(.pdq) }
        return exact
    }
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

/// The allow rule, the same for every API: a match-bank entry is suppressed only by an allow entry
/// strictly nearer to the query than it; a tie keeps the match. An entry that holds the query
/// itself (an equal MD5 or SHA-256, or PDQ distance 0) is suppressed only by an allow entry that
/// holds each of those very signals too: a curator's explicit override. A near-duplicate (PDQ
/// distance d > 0) is suppressed by an allow entry at a smaller PDQ distance, or by one that holds
/// the query itself.
///
/// So an allow entry made from a resized copy of a known image (PDQ distance 4) still suppresses
/// that copy, but never the known image.
public enum AllowRule {
    /// The allow entry that suppresses `match`, or nil. Of several, the nearest.
    public static func suppressor(of match: EntryMatch, among allowed: [EntryMatch]) -> EntryMatch? {
        let required = match.exactSignals
        let candidates = allowed.filter { allow in
            if !required.isEmpty { return allow.exactSignals.isSuperset(of: required) }
            guard let distance = match.pdqDistance else { return false }
            if !allow.exactSignals.isEmpty { return true }
            return allow.pdqDistance.map { $0 < distance } ?? false
        }
        return candidates.min { nearness($0) < nearness($1) }
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

    /// Orders candidates: more exact signals first, then a smaller PDQ distance, then the entry id.
    static func nearness(_ entry: EntryMatch) -> (Int, Int, Int64) {
        (-entry.exactSignals.count, entry.pdqDistance ?? Int.max, entry.entryID)
    }
}
