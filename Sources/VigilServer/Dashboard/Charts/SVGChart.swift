/// Charts drawn on the server as SVG: bars for counts, optionally two series side by side.
/// Nothing is loaded from elsewhere and no script runs; every bar has a <title> for a tooltip
/// and the chart has a text summary for screen readers.
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
        let peak = max(1, series.flatMap(\.values).max() ?? 1)
        let scale = Self.niceCeiling(peak)
        let groups = max(labels.count, 1)
        let groupWidth = plotWidth / Double(groups)
        let barWidth = max(1, (groupWidth * 0.8) / Double(max(series.count, 1)))
        var svg = #"<svg class="chart" viewBox="0 0 \#(width) \#(height)" role="img" aria-label="\#(HTML.escape(title))" xmlns="http://www.w3.org/2000/svg">"#
        svg += "<title>\(HTML.escape(title))</title>"
        for step in 0...4 {
            let value = scale * Double(step) / 4
            let y = top + plotHeight - plotHeight * Double(step) / 4
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

    static func niceCeiling(_ value: Double) -> Double {
        var magnitude = 1.0
        while magnitude * 10 <= value { magnitude *= 10 }
        for step in [1.0, 2, 2.5, 5, 10] where step * magnitude >= value { return step * magnitude }
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
