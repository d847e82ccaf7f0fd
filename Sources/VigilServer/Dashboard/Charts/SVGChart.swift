/// Charts drawn on the server as SVG: bars for counts, optionally two series side by side.
/// Nothing is loaded from elsewhere and no script runs; every bar has a <title> for a tooltip
/// and the chart has a text summary for screen readers. Counts get whole-number ticks, and a
/// range with nothing in it says so instead of drawing an empty grid.
struct SVGChart {
    struct Series {
        let name: String
        let values: [Double]
        /// A class of the stylesheet (colour).
        let style: String
    }

    let title: String
    let labels: [String]
    let series: [Series]
    var width = 640
    var height = 220

    func render() -> String {
        let left = 44.0, bottom = 36.0, top = 12.0, right = 8.0
        let plotWidth = Double(width) - left - right, plotHeight = Double(height) - top - bottom
        let peak = series.flatMap(\.values).max() ?? 0
        guard peak > 0 else {
            return #"<svg class="chart empty" viewBox="0 0 \#(width) 80" role="img" aria-label="\#(HTML.escape(title)): nothing in this range" xmlns="http://www.w3.org/2000/svg">"#
                + "<title>\(HTML.escape(title)): nothing in this range</title>"
                + #"<text class="nothing" x="\#(width / 2)" y="46" text-anchor="middle">Nothing in this range</text></svg>"#
        }
        let step = Self.tickStep(peak)
        let ticks = max(1, Int((peak / step).rounded(.up)))
        let scale = step * Double(ticks)
        let groups = max(labels.count, 1)
        let groupWidth = plotWidth / Double(groups)
        let barWidth = max(1, (groupWidth * 0.8) / Double(max(series.count, 1)))
        var svg = #"<svg class="chart" viewBox="0 0 \#(width) \#(height)" role="img" aria-label="\#(HTML.escape(title))" xmlns="http://www.w3.org/2000/svg">"#
        svg += "<title>\(HTML.escape(title))</title>"
        for tick in 0...ticks {
            let value = step * Double(tick)
            let y = top + plotHeight - plotHeight * Double(tick) / Double(ticks)
            svg += #"<line class="grid" x1="\#(left)" x2="\#(Double(width) - right)" y1="\#(y)" y2="\#(y)"/>"#
            svg += #"<text class="axis" x="\#(left - 4)" y="\#(y + 4)" text-anchor="end">\#(Self.short(value))</text>"#
        }
        for (g, label) in labels.enumerated() {
            let x0 = left + groupWidth * Double(g) + groupWidth * 0.1
            for (s, item) in series.enumerated() where g < item.values.count {
                let value = item.values[g]
                let h = plotHeight * value / scale
                let x = x0 + barWidth * Double(s)
                svg += #"<rect class="\#(item.style)" x="\#(Self.fixed(x))" y="\#(Self.fixed(top + plotHeight - h))" width="\#(Self.fixed(barWidth))" height="\#(Self.fixed(h))">"#
                svg += "<title>\(HTML.escape(label)): \(Self.short(value)) \(HTML.escape(item.name))</title></rect>"
            }
            // Label every bar when few, else about eight labels along the axis.
            if groups <= 12 || g % max(1, groups / 8) == 0 {
                svg += #"<text class="axis" x="\#(Self.fixed(left + groupWidth * (Double(g) + 0.5)))" y="\#(Double(height) - bottom + 16)" text-anchor="middle">\#(HTML.escape(label))</text>"#
            }
        }
        var legendX = left
        for item in series where series.count > 1 {
            svg += #"<rect class="\#(item.style)" x="\#(legendX)" y="\#(Double(height) - 12)" width="10" height="10"/>"#
            svg += #"<text class="axis" x="\#(legendX + 14)" y="\#(Double(height) - 3)">\#(HTML.escape(item.name))</text>"#
            legendX += 14 + Double(item.name.count) * 7 + 16
        }
        return svg + "</svg>"
    }

    /// The chart's numbers as text, for people who do not see it.
    var summary: String {
        series.map { item in "\(item.name): " + zip(labels, item.values).map { "\($0) \(Self.short($1))" }.joined(separator: ", ") }.joined(separator: "; ")
    }

    /// The distance between ticks for counts up to `peak`: a whole number (1, 2, 5, 10, 20, 25,
    /// 50, …) giving at most about five ticks, so no tick reads 0.25 of a case.
    static func tickStep(_ peak: Double) -> Double {
        let wanted = peak / 4
        var magnitude = 1.0
        while magnitude * 10 <= wanted { magnitude *= 10 }
        let steps: [Double] = magnitude >= 10 ? [1, 2, 2.5, 5, 10] : [1, 2, 5, 10]
        for step in steps where step * magnitude >= wanted { return step * magnitude }
        return 10 * magnitude
    }

    static func short(_ value: Double) -> String {
        if value >= 1_000_000 { return "\(fixed(value / 1_000_000))M" }
        if value >= 10_000 { return "\(Int((value / 1000).rounded()))k" }
        return value == value.rounded() ? String(Int(value)) : fixed(value)
    }

    static func fixed(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
