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
