import JSONValues
import Testing
@testable import Workflows

@Suite struct ExpressionTests {
    let data: JSONValue = [
        "trigger": ["image_url": "https://example.org/a.jpg", "count": 3, "tags": ["new", "flagged"]],
        "steps": ["lookup": ["output": ["is_match": true, "matches": [["source": "NCMEC", "distance": 12]]], "status": "succeeded"]],
    ]

    func eval(_ text: String) throws -> JSONValue {
        try ExpressionEvaluator.evaluate(try ExpressionParser.parse(text), in: data)
    }

    @Test func comparisonsAndLogic() throws {
        #expect(try eval("steps.lookup.output.is_match") == .bool(true))
        #expect(try eval("trigger.count >= 3 and trigger.count < 4") == .bool(true))
        #expect(try eval("not steps.lookup.output.is_match || trigger.count == 3") == .bool(true))
        #expect(try eval("steps.lookup.output.matches[0].distance <= 31") == .bool(true))
        #expect(try eval("steps.lookup.output.matches[0].source == 'NCMEC'") == .bool(true))
        #expect(try eval("'flagged' in trigger.tags") == .bool(true))
        #expect(try eval("'old' not in trigger.tags") == .bool(true))
        #expect(try eval("'example.org' in trigger.image_url") == .bool(true))
        #expect(try eval("len(steps.lookup.output.matches) == 1") == .bool(true))
    }

    @Test func missingDataIsNullAndFalse() throws {
        #expect(try eval("exists(trigger.account)") == .bool(false))
        #expect(try eval("exists(trigger.count)") == .bool(true))
        #expect(try eval("trigger.account == null") == .bool(true))
        #expect(try eval("trigger.account > 3") == .bool(false))
        #expect(try eval("steps.lookup.output.matches[5].source == 'x'") == .bool(false))
    }

    @Test func parseErrorsSayWhere() {
        #expect(throws: ExpressionError.self) { try ExpressionParser.parse("trigger.count >") }
        do {
            _ = try ExpressionParser.parse("trigger.count == 'x")
            Issue.record("an unclosed string parsed")
        } catch {
            #expect(error.column == 18)
            #expect(error.message.contains("not closed"))
        }
        #expect(throws: ExpressionError.self) { try ExpressionParser.parse("trigger.count = 3") }
        #expect(throws: ExpressionError.self) { try ExpressionParser.parse("") }
        // No calls: a name followed by ( is not a function the language has.
        #expect(throws: ExpressionError.self) { try ExpressionParser.parse("system('rm')") }
        // Nesting is bounded.
        #expect(throws: ExpressionError.self) { try ExpressionParser.parse(String(repeating: "(", count: 40) + "true" + String(repeating: ")", count: 40)) }
    }

    @Test func typeCheckingNamesTheProblem() throws {
        let scope = ValueType.object(["trigger": .object(["count": .integer, "name": .text], open: false),
                                      "steps": .object(["lookup": .object(["output": .object(["is_match": .boolean], open: false)], open: false)], open: false)],
                                     open: false)
        let checker = ExpressionChecker(scope: scope)
        try checker.checkCondition(try ExpressionParser.parse("trigger.count > 2 and steps.lookup.output.is_match"))
        func failure(_ text: String) throws -> String {
            do {
                try checker.checkCondition(try ExpressionParser.parse(text))
                return ""
            } catch { return error.message }
        }
        #expect(try failure("trigger.count == 'three'").contains("can never be equal"))
        #expect(try failure("trigger.name > 3").contains("compares two numbers or two texts"))
        #expect(try failure("steps.lookup.output.is_matc").contains("has no field is_matc"))
        #expect(try failure("steps.other.output.x").contains("no step other has run before this one"))
        #expect(try failure("trigger.count").contains("must be true or false"))
        #expect(try failure("trigger.count and true").contains("takes true or false"))
    }

    @Test func templatesKeepTypeOrInterpolate() throws {
        let whole = try Template.parse("{{ steps.lookup.output.is_match }}")
        #expect(try whole.render(data) == .bool(true))
        let text = try Template.parse("match at {{ steps.lookup.output.matches[0].distance }} for {{trigger.image_url}}")
        #expect(try text.render(data) == .string("match at 12 for https://example.org/a.jpg"))
        #expect(try Template.render(["url": "{{ trigger.image_url }}", "n": 1], with: data) == ["url": "https://example.org/a.jpg", "n": 1])
        #expect(throws: ExpressionError.self) { try Template.parse("{{ trigger.image_url") }
        #expect(try Template.parse("no holes").isTemplated == false)
    }
}
