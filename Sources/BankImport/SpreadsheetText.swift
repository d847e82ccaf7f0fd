/// Spreadsheet formula injection: a CSV cell that begins with `=`, `+`, `-`, `@`, a tab, a
/// carriage return or a line feed is run as a formula when an analyst opens the export in a
/// spreadsheet (a note an uploader chose, `=HYPERLINK(…)`, would run on their machine), and so
/// is one whose first character after any spaces (a no-break or an ideographic one too) is one
/// of them, or of their full-width forms (`＝`, `＋`, `－`, `＠`), which some spreadsheets read
/// as the same. An export writes such
/// a text behind one apostrophe, which spreadsheets show as plain text, and an import takes one
/// away, so export and import give back the same text; a text that already begins with
/// apostrophes before such a character gets one more, so it comes back with its own.
public enum SpreadsheetText {
    static func startsLikeAFormula(_ text: String) -> Bool {
        // Most cells begin with an ASCII letter or digit: answered from one byte, as an export
        // asks this of several cells of every entry.
        guard let byte = text.utf8.first else { return false }
        if byte < 0x80, !asciiStarts.contains(byte) { return false }
        return fullRule(text)
    }

    /// The rule itself, for any first character.
    static func fullRule(_ text: String) -> Bool {
        let afterQuotes = text.unicodeScalars.drop { $0 == "'" }
        guard let first = afterQuotes.first else { return false }
        if first == "\t" || first == "\r" || first == "\n" { return true }
        guard let lead = afterQuotes.first(where: { !$0.properties.isWhitespace }) else { return false }
        return formulaStarts.contains(lead)
    }

    /// The ASCII bytes a cell that may run as a formula can begin with: an apostrophe (before one
    /// of the others), every ASCII space (space, tab, LF, vertical tab, form feed, CR), `=`, `+`,
    /// `-`, `@`. `SpreadsheetTextTests` checks it against the full rule for every ASCII byte.
    static let asciiStarts: Set<UInt8> = [0x27, 0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x3D, 0x2B, 0x2D, 0x40]

    /// `=`, `+`, `-`, `@` and their full-width forms.
    private static let formulaStarts: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\u{FF1D}", "\u{FF0B}", "\u{FF0D}", "\u{FF20}"]

    /// The text as an export writes it.
    public static func guarded(_ text: String) -> String {
        startsLikeAFormula(text) ? "'" + text : text
    }

    /// The text an import keeps of a cell an export guarded.
    public static func unguarded(_ text: String) -> String {
        text.hasPrefix("'") && startsLikeAFormula(text) ? String(text.dropFirst()) : text
    }
}
