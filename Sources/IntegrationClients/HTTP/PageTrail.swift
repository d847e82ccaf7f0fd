/// The pages one sync has read of a list: a page is read once, and a sync reads at most `limit`
/// pages. A peer whose `next` comes back to a page already read, or names a new page for ever,
/// would otherwise keep a job (and the list's lock) busy without end.
public struct PageTrail: Sendable {
    /// 100,000 pages: more than 100M entries at the page sizes NCMEC and Vigil send.
    public static let defaultLimit = 100_000

    public enum Refusal: Error, CustomStringConvertible {
        case loop(String)
        case tooMany(Int)

        public var description: String {
            switch self {
            case let .loop(url): "paged back to \(url)"
            case let .tooMany(limit): "sent more than \(limit) pages in one sync; the list was not followed further"
            }
        }
    }

    let limit: Int
    private var seen = Set<String>()

    init(limit: Int) { self.limit = limit }

    mutating func enter(_ url: String) throws(Refusal) {
        guard seen.count < limit else { throw .tooMany(limit) }
        guard seen.insert(url).inserted else { throw .loop(url) }
    }
}
