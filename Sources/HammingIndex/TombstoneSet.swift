extension PDQIndex {
    /// The removed pairs of a snapshot, as two sets: a large settled one, shared from snapshot to
    /// snapshot, and the recent removals. A snapshot's sets are shared with its readers, so adding
    /// to one copies it whole: with a single set, a bank deletion's batches of 2 000 removals
    /// copied every pair removed so far each time (quadratic: 13 s for a 1M-entry bank). Now a
    /// remove copies the recent set, which joins the settled one when it outgrows a sixteenth of it.
    struct TombstoneSet: Sendable {
        private var settled: Set<Tombstone> = []
        private var recent: Set<Tombstone> = []

        /// The recent set joins the settled one beyond this size or a sixteenth of the settled one.
        static let recentMinimum = 16_384

        var count: Int { settled.count + recent.count }
        var isEmpty: Bool { settled.isEmpty && recent.isEmpty }

        func contains(_ pair: Tombstone) -> Bool {
            (!recent.isEmpty && recent.contains(pair)) || (!settled.isEmpty && settled.contains(pair))
        }

        mutating func insert(_ pairs: some Sequence<Tombstone>) {
            recent.formUnion(pairs)
            if recent.count > max(Self.recentMinimum, settled.count / 16) {
                settled.formUnion(recent)
                recent = []
            }
        }

        /// Removes the pair if it is there (a removal of a pair not there copies nothing).
        @discardableResult
        mutating func remove(_ pair: Tombstone) -> Tombstone? {
            recent.remove(pair) ?? settled.remove(pair)
        }
    }
}
