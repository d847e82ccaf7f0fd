import JSONValues
import Testing
import VigilTestSupport
@testable import Workflows

/// Issue 28, §3: `'a…b' in trigger.t` over a megabyte of text took 73 s and two such runs
/// stalled the server. Evaluation is linear in what it reads and bounded by a budget: it ends in
/// bounded work whatever the data, or fails, saying so.
@Suite struct EvaluationBudgetTests {
    static let megabyte = String(repeating: "a", count: 1 << 20)

    @Test func aSearchThroughAMegabyteCostsAboutAMegabyteOfWork() throws {
        let needle = String(repeating: "a", count: 1000) + "b"
        let condition = try ExpressionParser.parse("'\(needle)' in trigger.t")
        var budget = EvaluationBudget()
        let found = try ExpressionEvaluator.evaluate(condition, in: ["trigger": ["t": .string(Self.megabyte)]], budget: &budget)
        #expect(found == .bool(false))
        let spent = budget.units - budget.remaining
        #expect(spent > 1 << 20 && spent < 2 << 20, "\(spent) units")
        // The same needle where it is found.
        #expect(try ExpressionEvaluator.evaluate(condition, in: ["trigger": ["t": .string(Self.megabyte + "b")]]) == .bool(true))
    }

    @Test func workBeyondTheBudgetFailsInsteadOfRunning() throws {
        let big: JSONValue = .array(Array(repeating: .string(Self.megabyte), count: 20))
        let condition = try ExpressionParser.parse("trigger.t in trigger.items")
        #expect(throws: EvaluationLimit.self) {
            try ExpressionEvaluator.evaluate(condition, in: ["trigger": ["items": big, "t": .string(Self.megabyte.uppercased())]])
        }
        var small = EvaluationBudget(units: 100)
        #expect(throws: EvaluationLimit(units: 100)) {
            try ExpressionEvaluator.evaluate(try ExpressionParser.parse("len(trigger.t) > 0"), in: ["trigger": ["t": .string(Self.megabyte)]], budget: &small)
        }
        // A template is bounded the same way.
        let template = try Template.parse("{{ trigger.items }}, {{ trigger.items }}")
        #expect(throws: EvaluationLimit.self) { try template.render(["trigger": ["items": big]]) }
    }

    /// The review of issue 28: `trigger.o in trigger.l` with 20 000 zeros against 20 000 ones
    /// measured each item's whole size before comparing it, unpaid (28.8 s in a debug build for
    /// 160 KB). Equality now pays as it reads and stops at the first difference.
    @Test func membershipPaysForWhatItReads() throws {
        let zeros: JSONValue = .array(Array(repeating: .number(0), count: 20_000))
        let ones: JSONValue = .array(Array(repeating: .number(1), count: 20_000))
        var budget = EvaluationBudget()
        let found = try ExpressionEvaluator.evaluate(try ExpressionParser.parse("trigger.o in trigger.l"),
                                                     in: ["trigger": ["o": zeros, "l": ones]], budget: &budget)
        #expect(found == .bool(false))
        #expect(budget.units - budget.remaining < 3 * 20_000, "\(budget.units - budget.remaining) units")
        // Items that differ only at their end are read to it, and paid for: past the budget, it fails.
        let long: [JSONValue] = Array(repeating: .number(0), count: 5_000)
        let near: JSONValue = .array(Array(repeating: .array(long + [.number(2)]), count: 5_000))
        #expect(throws: EvaluationLimit.self) {
            try ExpressionEvaluator.evaluate(try ExpressionParser.parse("trigger.o in trigger.l"),
                                             in: ["trigger": ["o": .array(long + [.number(1)]), "l": near]])
        }
    }

    /// Equality is Swift's: text canonically equal is equal whatever its bytes.
    @Test func canonicallyEqualTextIsEqual() throws {
        let condition = try ExpressionParser.parse("trigger.a == trigger.b")
        #expect(try ExpressionEvaluator.evaluate(condition, in: ["trigger": ["a": "caf\u{E9}", "b": "cafe\u{301}"]]) == .bool(true))
    }

    @Test(arguments: 0..<200)
    func searchingBytesFindsWhatCharactersDo(seed: Int) {
        var generator = HashGenerator(seed: UInt64(seed))
        let alphabet: [Character] = ["a", "b", "é", "🙂", "c"]
        let text = String((0..<Int.random(in: 0...40, using: &generator)).map { _ in alphabet.randomElement(using: &generator) ?? "a" })
        let needle = String((0..<Int.random(in: 0...4, using: &generator)).map { _ in alphabet.randomElement(using: &generator) ?? "a" })
        #expect(TextSearch.contains(text, needle) == (needle.isEmpty || text.contains(needle)), "\(needle) in \(text)")
    }

    @Test func aTextParameterIsBoundedByItsDeclaration() throws {
        let parameters = [Parameter(name: "t", type: "text"), Parameter(name: "long", type: "text", maxLength: 2 << 20)]
        #expect(throws: WorkflowError.self) { try RunInput.check(["t": .string(Self.megabyte)], against: parameters) }
        _ = try RunInput.check(["long": .string(Self.megabyte)], against: parameters)
        _ = try RunInput.check(["t": .string(String(repeating: "a", count: Parameter.defaultMaxLength))], against: parameters)
    }
}
