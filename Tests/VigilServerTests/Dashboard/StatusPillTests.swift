import Cases
import NIOCore
import Foundation
import Testing
@testable import VigilServer

/// Status pills say what a status means (issue 30: open, escalated, succeeded and failed looked
/// alike, and a finished NCMEC report was red): one class per meaning, from the case's template.
@Suite struct StatusPillTests {
    static func item(_ status: String, final: Bool = false) -> Case {
        Case(id: 1, title: "t", template: "default", status: status, isFinal: final, priority: .normal, queue: "default", assignee: nil,
             fields: [:], accountIDs: [], evidenceCount: 0, version: 1, createdBy: "test", createdAt: Date(), updatedAt: Date(), resolvedAt: nil)
    }

    @Test func eachMeaningOfACaseStatusHasItsOwnPill() {
        let templates = ["default": CaseTemplate.standard]
        let classes = [("open", false), ("in_review", false), ("escalated", false), ("resolved_confirmed", true), ("resolved_false_positive", true)]
            .map { CasePages.row(Self.item($0.0, final: $0.1), templates: templates)["statusClass"] as? String ?? "" }
        #expect(classes == ["pill-open", "pill-review", "pill-escalated", "pill-confirmed", "pill-cleared"])
        #expect(CasePages.row(Self.item("in_review"), templates: templates)["status"] as? String == "in review", "words, not snake_case")
    }

    @Test func everyPillClassTheDashboardUsesIsStyled() throws {
        let css = String(buffer: try #require(AssetRoutes.files["vigil.css"]).bytes)
        for name in ["open", "review", "escalated", "confirmed", "cleared", "closed", "succeeded", "failed", "running", "waiting", "draft", "finished"] {
            #expect(css.contains(".pill-\(name)"), "no style for .pill-\(name)")
        }
    }
}
