/// How much work one evaluation (a condition, a step's inputs) may do: a unit for each value it
/// visits and for each byte of text it reads, searches or compares. What a run's data can make
/// it do is bounded by the budget, not by the data: `'a…b' in trigger.t` over a megabyte of text
/// costs about a megabyte of units, and a condition that would need more fails, saying so.
public struct EvaluationBudget: Sendable {
    /// About 10 ms of work on one core; ten times what a condition over every field of a large
    /// lookup event costs.
    public static let defaultUnits = 10_000_000

    public let units: Int
    var remaining: Int

    public init(units: Int = EvaluationBudget.defaultUnits) {
        self.units = units
        remaining = units
    }

    mutating func spend(_ cost: Int) throws(EvaluationLimit) {
        remaining -= max(1, cost)
        if remaining < 0 { throw EvaluationLimit(units: units) }
    }
}

/// An evaluation that needed more work than its budget; nothing it would have decided is used.
public struct EvaluationLimit: Error, Sendable, Equatable, CustomStringConvertible {
    public let units: Int
    public var description: String {
        "the expression needs more work than its budget of \(units) units (one per value and per byte of text it reads): "
            + "it reads texts or lists too long for it"
    }
}

/// Where conditions and templates are evaluated: threads of their own, never Swift's cooperative
/// pool, so a long evaluation holds none of the threads health checks and lookups need.
public protocol ExpressionThreads: Sendable {
    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T
}

/// Evaluation on the caller's thread: for tests and tools that serve nobody.
public struct CallerThread: ExpressionThreads {
    public init() {}
    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T { try work() }
}
