import Foundation
import Testing

/// Issue 32: the alerting rules and the Grafana dashboard in deploy/ name only metrics the
/// server exports, so a renamed metric breaks this test instead of silencing an alert.
@Suite struct DeployFilesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Every sample name the server can export: namespace, metric and unit as ServerMetrics
    /// declares them, with a histogram's `_bucket`, `_count` and `_sum`.
    static func exported() throws -> Set<String> {
        let folder = root.appendingPathComponent("Sources/VigilServer/Operations")
        var names: Set<String> = []
        let declared = try Regex(#"metricName: "([a-z_]+)", unitName: "([a-z]*)""#)
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path) where file.hasSuffix(".swift") {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            for match in text.matches(of: declared) {
                let metric = String(match.output[1].substring ?? ""), unit = String(match.output[2].substring ?? "")
                names.insert(["vigil", metric, unit].filter { !$0.isEmpty }.joined(separator: "_"))
            }
            // The outcome counters take their metric names from OutcomeCounter's raw values.
            for match in text.matches(of: try Regex(#"= "([a-z_]+_finished|webhook_deliveries|connections_closed)""#)) {
                names.insert("vigil_\(match.output[1].substring ?? "")_total")
            }
        }
        return names.union(names.flatMap { ["\($0)_bucket", "\($0)_count", "\($0)_sum"] })
    }

    static func referenced(_ file: String) throws -> Set<String> {
        let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
        return Set(text.matches(of: try Regex(#"vigil_[a-z0-9_]+"#)).map { String(text[$0.range]) })
            .filter { $0 != "vigil_" && !$0.hasPrefix("vigil_overview") }
    }

    @Test(arguments: ["deploy/prometheus-alerts.yml", "deploy/grafana-dashboard.json"])
    func namesOnlyExportedMetrics(file: String) throws {
        let exported = try Self.exported()
        #expect(exported.contains("vigil_job_queue_depth_jobs") && exported.contains("vigil_jobs_finished_total"), "\(exported.sorted())")
        let unknown = try Self.referenced(file).subtracting(exported)
        #expect(unknown.isEmpty, "\(file) names metrics the server does not export: \(unknown.sorted())")
        #expect(try Self.referenced(file).count >= 5)
    }

    @Test func theDashboardIsGrafanaJSON() throws {
        let data = try Data(contentsOf: Self.root.appendingPathComponent("deploy/grafana-dashboard.json"))
        let dashboard = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        #expect(panels.count >= 10)
        #expect(panels.allSatisfy { (($0["targets"] as? [[String: Any]]) ?? []).allSatisfy { ($0["expr"] as? String)?.isEmpty == false } })
    }
}
