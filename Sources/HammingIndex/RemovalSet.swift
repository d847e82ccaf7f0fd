/// The removed pairs of an index snapshot, as two sets: a large settled one, shared from snapshot
/// to snapshot, and the recent removals. A snapshot's sets are shared with its readers, so adding
/// to one copies it whole: with a single set, a bank deletion's batches of 2 000 removals copied
/// every pair removed so far each time (quadratic: 13 s for a 1M-entry bank, hours for 10M). Now
/// a remove copies the recent set, which joins the settled one when it outgrows a sixteenth of it.
struct RemovalSet<Element: Hashable & Sendable>: Sendable {
    private var settled: Set<Element> = []
    private var recent: Set<Element> = []

    /// The recent set joins the settled one beyond this size or a sixteenth of the settled one.
    static var recentMinimum: Int { 16_384 }

    var count: Int { settled.count + recent.count }
    var isEmpty: Bool { settled.isEmpty && recent.isEmpty }

    func contains(_ element: Element) -> Bool {
        (!recent.isEmpty && recent.contains(element)) || (!settled.isEmpty && settled.contains(element))
    }

    mutating func insert(_ elements: some Sequence<Element>) {
        recent.formUnion(elements)
        if recent.count > max(Self.recentMinimum, settled.count / 16) {
            settled.formUnion(recent)
            recent = []
        }
    }

    /// Removes the element if it is there (removing one that is not there copies nothing).
    @discardableResult
    mutating func remove(_ element: Element) -> Element? {
        recent.remove(element) ?? settled.remove(element)
    }

    /// Every element, each once (the two sets never share one).
    var elements: some Sequence<Element> { settled.union(recent) }
}
