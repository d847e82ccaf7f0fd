import Reports
import Testing
@testable import VigilServer

/// The NCMEC panel in words (issue 30 §5): a failure says what it needs, not the program's
/// `give_up`.
@Suite struct ReportPanelTextTests {
    @Test func aFailureSaysWhatItNeedsInWords() {
        #expect(ReportPanel.words(.giveUp) == "needs a person")
        #expect(ReportPanel.words(.fix) == "the report needs a change")
        #expect(!ReportPanel.words(.unavailable).contains("_"))
    }
}
