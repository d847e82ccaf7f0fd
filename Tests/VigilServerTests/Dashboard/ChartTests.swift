import Testing
@testable import VigilServer

/// Home's charts as a person reads them (issue 30 §5): whole-number ticks for counts, and a
/// range with nothing in it says so instead of drawing an empty grid.
@Suite struct ChartTests {
    static func ticks(_ svg: String) -> [String] {
        svg.components(separatedBy: #"text-anchor="end">"#).dropFirst().map { String($0.prefix { $0 != "<" }) }
    }

    @Test func countsGetWholeNumberTicks() {
        let three = SVGChart(title: "Open cases", labels: ["csam", "spam"], series: [.init(name: "open", values: [3, 1], style: "s1")]).render()
        #expect(Self.ticks(three) == ["0", "1", "2", "3"], "\(Self.ticks(three))")
        let one = SVGChart(title: "Open cases", labels: ["csam"], series: [.init(name: "open", values: [1], style: "s1")]).render()
        #expect(Self.ticks(one) == ["0", "1"], "not 0, 0.25, 0.5: \(Self.ticks(one))")
        let many = SVGChart(title: "Lookups", labels: ["00h"], series: [.init(name: "lookups", values: [937], style: "s1")]).render()
        #expect(Self.ticks(many).allSatisfy { Int($0) != nil } && Self.ticks(many).last == "1000", "\(Self.ticks(many))")
    }

    @Test func aRangeWithNothingInItSaysSo() {
        let empty = SVGChart(title: "Lookups and matches per hour (UTC)", labels: ["00h", "01h"],
                             series: [.init(name: "lookups", values: [0, 0], style: "s1"), .init(name: "matches", values: [0, 0], style: "s2")]).render()
        #expect(empty.contains("Nothing in this range") && !empty.contains(#"class="grid""#))
    }
}
