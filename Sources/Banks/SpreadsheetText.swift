/// Spreadsheet formula injection: a CSV cell that begins with `=`, `+`, `-`, `@`, a tab or a
/// carriage return is run as a formula when an analyst opens the export in a spreadsheet (a
/// note an uploader chose, `=HYPERLINK(…)`, would run on their machine). An export writes such
/// a text behind one apostrophe, which spreadsheets show as plain text, and an import takes one
/// away, so export and import give back the same text; a text that already begins with
/// apostrophes before such a character gets one more, so it comes back with its own.
public enum SpreadsheetText {
    static func startsLikeAFormula(_ text: String) -> Bool {
        guard let first = text.utf8.drop(while: { $0 == 0x27 }).first else { return false }
        return first == 0x3D || first == 0x2B || first == 0x2D || first == 0x40 || first == 0x09 || first == 0x0D
    }

    /// The text as an export writes it.
    public static func guarded(_ text: String) -> String {
        startsLikeAFormula(text) ? "'" + text : text
    }

    /// The text an import keeps of a cell an export guarded.
    public static func unguarded(_ text: String) -> String {
        text.hasPrefix("'") && startsLikeAFormula(text) ? String(text.dropFirst()) : text
    }
}
