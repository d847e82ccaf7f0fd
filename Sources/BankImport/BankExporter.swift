public import Banks
import Basics
import Foundation

/// Writes a bank in an import format (a wire format: beside the readers of the same formats),
/// paging through the bank service in constant memory, so that exporting and importing again
/// gives back the same entries.
public enum BankExporter {
    public enum Format: String, Sendable, CaseIterable {
        /// Every signal and all metadata: a full round trip.
        case csv
        /// One hash per line: every entry's PDQ and MD5 (told apart by length on import). SHA-256
        /// digests cannot be told from PDQ hashes in this format: they are left out, and counted.
        case list
    }

    /// Writes `bank` through `write` (one call per line, newline included), calling `pageWritten`
    /// after each page so a caller can flush (an HTTP response streams page by page); returns the
    /// number of entries written and of signals the format could not carry.
    /// - Parameter raw: write CSV text cells as they are, formulas and all (for a program, not
    ///   a spreadsheet); by default a cell that a spreadsheet would run is guarded (`SpreadsheetText`).
    @discardableResult
    public static func export(
        _ bank: Bank, from banks: BankService, format: Format, raw: Bool = false, pageSize: Int = 10_000,
        write: (String) throws -> Void, pageWritten: () async throws -> Void = {}
    ) async throws -> (written: Int, skipped: Int) {
        func cell(_ text: String) -> String { csvField(raw ? text : SpreadsheetText.guarded(text)) }
        var written = 0, skipped = 0
        switch format {
        case .list:
            try await forEachPage(bank, banks, pageSize, pageWritten: pageWritten) { entries in
                for entry in entries {
                    if let pdq = entry.signals.pdq { try write(pdq.hex + "\n") }
                    if let md5 = entry.signals.md5 { try write(md5 + "\n") }
                    if entry.signals.sha256 != nil { skipped += 1 }
                    if entry.signals.pdq != nil || entry.signals.md5 != nil { written += 1 }
                }
            }
        case .csv:
            // First pass: the metadata keys, so the header names every column.
            var extraKeys = Set<String>()
            try await forEachPage(bank, banks, pageSize) { entries in
                for entry in entries { extraKeys.formUnion(entry.metadata.extra.keys) }
            }
            let extras = extraKeys.sorted()
            try write((["pdq", "pdq_quality", "md5", "sha256", "external_id", "source", "note", "disabled_until"] + extras)
                .map(cell).joined(separator: ",") + "\n")
            try await forEachPage(bank, banks, pageSize, pageWritten: pageWritten) { entries in
                for entry in entries {
                    let s = entry.signals, m = entry.metadata
                    var cells = [s.pdq?.hex, s.pdqQuality.map(String.init), s.md5, s.sha256, m.externalID, m.source, m.note,
                                 entry.disabledUntil.map(Timestamp.iso8601)]
                    cells += extras.map { m.extra[$0] }
                    // No value is an empty cell; an empty text is a quoted one, so the two stay apart.
                    try write(cells.map { $0.map { $0.isEmpty ? "\"\"" : cell($0) } ?? "" }.joined(separator: ",") + "\n")
                    written += 1
                }
            }
        }
        return (written, skipped)
    }

    private static func forEachPage(
        _ bank: Bank, _ banks: BankService, _ pageSize: Int, pageWritten: () async throws -> Void = {},
        _ body: ([BankEntry]) throws -> Void
    ) async throws {
        var after: Int64 = 0
        while true {
            let page = try await banks.entries(of: bank, after: after, limit: pageSize)
            guard let last = page.last else { return }
            try body(page)
            try await pageWritten()
            after = last.id
        }
    }

    static func csvField(_ text: String) -> String {
        // Bytes, not Characters: "\r\n" is one Character, equal to neither "\r" nor "\n".
        guard text.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 })
                || text != text.trimmingCharacters(in: .whitespaces) else {
            return text
        }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" 
    }
}
