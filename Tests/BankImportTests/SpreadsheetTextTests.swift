@testable import BankImport
import Testing

/// What a spreadsheet would run as a formula is guarded on export and given back on import.
@Suite struct SpreadsheetTextTests {
    /// Texts a spreadsheet runs as formulas even though they do not begin with `=`: behind
    /// spaces (ideographic too), after a line feed, or in full-width form.
    @Test(arguments: [" =1+1", "   +cmd", "\n=1", "\u{3000}=1", "\u{FF1D}HYPERLINK(\"http://evil.example\")", "\u{FF0B}1", "\u{FF0D}2",
                      "\u{FF20}SUM(1)", " \u{FF1D}1", "=1", "\t=1", "'=already quoted", "\u{00A0}=1", " \t=1", "\u{2003}+1", "\u{0B}=1", "\u{0C}+1"])
    func aFormulaInAnyDisguiseIsGuardedAndComesBackAsWritten(text: String) {
        let written = SpreadsheetText.guarded(text)
        #expect(written == "'" + text)
        #expect(SpreadsheetText.unguarded(written) == text)
    }

    @Test(arguments: [" hello", "a=b", "", "'", "  ", "note - with a dash", "\u{3000}plain"])
    func plainTextIsWrittenAsItIs(text: String) {
        #expect(SpreadsheetText.guarded(text) == text)
        #expect(SpreadsheetText.unguarded(text) == text)
    }

    /// The one-byte answer for a cell that begins with ASCII agrees with the full rule for every
    /// ASCII first byte, before a formula or plain text.
    @Test func theFastAnswerAgreesWithTheRuleForEveryASCIIStart() {
        for byte in UInt8(0)..<0x80 {
            for rest in ["=1", "+1", "-1", "@A1", "\u{FF1D}1", "x", ""] {
                let text = String(decoding: [byte], as: UTF8.self) + rest
                #expect(SpreadsheetText.startsLikeAFormula(text) == SpreadsheetText.fullRule(text), "byte \(byte) before \(rest)")
            }
        }
    }
}
