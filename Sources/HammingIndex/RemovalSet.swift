/// The removed pairs of an index snapshot, as two sets: a large settled one, shared from snapshot
/// to snapshot, and the recent removals. A snapshot's sets are shared with its readers, so adding
/// to one copies it whole: with a single set, a bank deletion's batches of 2 000 removals copied
/// every pair removed so far each time (quadratic: 13 s for a 1M-entry bank, hours for 10M). Now
/// a remove copies the recent set, which joins the settled one when it outgrows a sixteenth of it
/// (still more than linear, by a sixteenth, while no purge or fold empties both).
///
/// An element is in one of the two sets or in neither: inserting one the settled set holds does
/// nothing (held in both, a remove would clear one and leave the pair hidden by the other).
struct RemovalSet<Element: Hashable & Sendable>: Sendable {
    private var settled: Set<Element> = []
    private var recent: Set<Element> = []
    /// The recent set joins the settled one beyond this size or a sixteenth of the settled one.
    private let recentMinimum: Int

    init(recentMinimum: Int = 16_384) {
        self.recentMinimum = recentMinimum
    }

    var count: Int { settled.count + recent.count }
    var isEmpty: Bool { settled.isEmpty && recent.isEmpty }

    func contains(_ element: Element) -> Bool {
        (!recent.isEmpty && recent.contains(element)) || (!settled.isEmpty && settled.contains(element))
    }

    mutating func insert(_ elements: some Sequence<Element>) {
        if settled.isEmpty {
            recent.formUnion(elements)
        } else {
            let settled = self.settled
            recent.formUnion(elements.lazy.filter { !settled.contains($0) })
        }
        if recent.count > max(recentMinimum, settled.count / 16) {
            settled.formUnion(recent)
            recent = []
        }
    }

    /// Removes the element if it is there (removing one that is not there copies nothing).
    @discardableResult
    mutating func remove(_ element: Element) -> Element? {
        recent.remove(element) ?? settled.remove(element)
    }

    /// Every element, each once.
    func forEach(_ body: (Element) -> Void) {
        settled.forEach(body)
        recent.forEach(body)
    }

    var elements: [Element] {
        var all: [Element] = []
        all.reserveCapacity(count)
        forEach { all.append($0) }
        return all
    }
}
