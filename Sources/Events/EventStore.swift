public import Foundation

/// The event table. Changes write their events inside their own transactions (the stores of
/// cases and accounts do); `append` is for events that belong to no stored change (a match).
public protocol EventStore: Sendable {
    @discardableResult
    func append(_ events: [NewEvent], at time: Date) async throws -> [Event]
    /// Events with ids above `id`, oldest first, at most `limit`; only `types` when given.
    func events(after id: Int64, types: Set<String>?, limit: Int) async throws -> [Event]
    /// The newest event's id (0 when there is none).
    func latestID() async throws -> Int64
    /// How far the consumer `name` has read (nil: never).
    func cursor(_ name: String) async throws -> Int64?
    /// Moves the consumer's cursor forward (never back: two replicas may both save).
    func saveCursor(_ name: String, position: Int64) async throws
}

/// Which event types a reader wants: exact names, families (`case.*`) or all (`*`); nil patterns
/// want everything.
public struct EventTypeFilter: Sendable {
    public let patterns: [String]?

    public init(_ patterns: [String]?) { self.patterns = patterns }

    /// The names the store's query can filter by itself: only when no pattern is a family.
    var exactTypes: Set<String>? { patterns.flatMap { $0.contains { $0.contains("*") } ? nil : Set($0) } }

    public func admits(_ type: String) -> Bool { patterns.map { EventTypes.matches($0, type) } ?? true }
}

extension EventStore {
    /// Up to `limit` events after `id` that `filter` admits, oldest first: exact names filtered by
    /// the query, families here, reading on until the limit is met or the table ends.
    public func events(after id: Int64, matching filter: EventTypeFilter, limit: Int) async throws -> [Event] {
        var found: [Event] = []
        var cursor = id
        while found.count < limit {
            let page = try await events(after: cursor, types: filter.exactTypes, limit: limit)
            found += page.filter { filter.admits($0.type) }
            guard let last = page.last, page.count == limit else { break }
            cursor = last.id
        }
        return Array(found.prefix(limit))
    }
}
