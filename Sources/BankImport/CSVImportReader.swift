import Basics
package import Banks
package import Foundation
import PDQ

/// CSV (RFC 4180 quoting) or TSV whose header names the columns: `pdq`, `pdq_quality` (or
/// `quality`), `md5`, `sha256`, `external_id`, `source`, `note`; any other column is kept as
/// metadata under its name.
package struct CSVImportReader: ImportReader {
    private let lines: LineReader
    private let separator: Character
    private let columns: [String]
    private let layout: ColumnLayout
    private let addedBy: String

    static let signalColumns: Set<String> = ["pdq", "md5", "sha256"]
    static let knownColumns: Set<String> = signalColumns.union(["pdq_quality", "quality", "external_id", "source", "note", "disabled_until"])
    /// A quoted field may span lines (a note with newlines), up to this many.
    static let maxLinesPerRecord = 1000

    package init(url: URL, addedBy: String) throws {
        lines = try LineReader(url: url)
        guard let header = try lines.next() else { throw ImportError("the file is empty: a header row is required") }
        // Binary content (an image given --format csv) is named, never echoed to the terminal.
        if header.unicodeScalars.contains(where: { $0 == "\u{FFFD}" || ($0.value < 0x20 && $0 != "\t") }) {
            throw ImportError("line 1: this is not CSV text (it starts with binary data: an image? use --format images)")
        }
        separator = header.contains("\t") ? "\t" : ","
        guard let names = Self.split(header.trimmingCharacters(in: .whitespaces), separator: separator) else {
            throw ImportError("line 1: unterminated quote in the header")
        }
        columns = names.map { SpreadsheetText.unguarded($0.text.trimmingCharacters(in: .whitespaces)).lowercased() }
        guard columns.contains(where: Self.signalColumns.contains) else {
            throw ImportError("line 1: the header names no signal column (pdq, md5 or sha256): \(header.prefix(120))")
        }
        if let duplicate = Dictionary(grouping: columns, by: { $0 }).first(where: { $0.value.count > 1 }) {
            throw ImportError("line 1: column \"\(duplicate.key)\" appears twice")
        }
        layout = ColumnLayout(columns)
        self.addedBy = addedBy
    }

    package var progress: Double? { lines.progress }

    package mutating func next() throws -> ImportItem? {
        while var line = try lines.next() {
            let number = lines.lineNumber
            if line.utf8.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            var cells = Self.split(line, separator: separator)
            // An open quote continues on the next line (RFC 4180: a field may hold line breaks).
            var extraLines = 0
            while cells == nil, extraLines < Self.maxLinesPerRecord {
                let breakInField = lines.lastLineEndedWithCR ? "\r\n" : "\n"
                guard let more = try lines.next() else { break }
                line += breakInField + more
                extraLines += 1
                cells = Self.split(line, separator: separator)
            }
            guard let cells else {
                return .rejected(line: number, reason: "unterminated quote")
            }
            guard cells.count == columns.count else {
                return .rejected(line: number, reason: "\(cells.count) fields where the header has \(columns.count)")
            }
            switch layout.entry(cells, addedBy: addedBy) {
            case let .success(entry): return .entry(line: number, entry)
            case let .failure(error): return .rejected(line: number, reason: error.description)
            }
        }
        return nil
    }

    /// Where each known column sits in a row, worked out once from the header.
    struct ColumnLayout {
        let pdq, quality, md5, sha256, externalID, source, note, disabledUntil: Int?
        let extras: [(name: String, index: Int)]

        init(_ columns: [String]) {
            func index(_ names: String...) -> Int? { columns.firstIndex { names.contains($0) } }
            pdq = index("pdq"); quality = index("pdq_quality", "quality"); md5 = index("md5"); sha256 = index("sha256")
            externalID = index("external_id"); source = index("source"); note = index("note"); disabledUntil = index("disabled_until")
            extras = columns.enumerated().filter { !CSVImportReader.knownColumns.contains($0.element) }.map { ($0.element, $0.offset) }
        }

        func entry(_ cells: [Cell], addedBy: String) -> Result<NewEntry, ImportError> {
            func cell(_ i: Int?) -> String? {
                guard let i else { return nil }
                let raw = cells[i].text
                // Quoted text is kept as written (a note's leading spaces); bare cells are trimmed.
                let value = !cells[i].quoted && (raw.utf8.first == 0x20 || raw.utf8.last == 0x20) ? raw.trimmingCharacters(in: .whitespaces) : raw
                return value.isEmpty ? nil : SpreadsheetText.unguarded(value)
            }
            /// Free text: a quoted empty cell is an empty text, an unquoted one is none. A text an
            /// export guarded against spreadsheets comes back as it was.
            func text(_ i: Int?) -> String? {
                guard let i else { return nil }
                return cells[i].quoted ? SpreadsheetText.unguarded(cells[i].text) : cell(i)
            }
            let signals: EntrySignals
            switch EntrySignals.parse(pdq: cell(pdq), quality: cell(quality), md5: cell(md5), sha256: cell(sha256)) {
            case let .success(parsed): signals = parsed
            case let .failure(error): return .failure(error)
            }
            guard !signals.isEmpty else { return .failure(ImportError("no signal: pdq, md5 and sha256 are all empty")) }
            var extra: [String: String] = [:]
            for (name, index) in extras { if let value = text(index) { extra[name] = value } }
            let metadata = EntryMetadata(externalID: cell(externalID), source: text(source), note: text(note), extra: extra)
            var until: Date?
            if let text = cell(disabledUntil) {
                guard let date = Timestamp.parse(text) else {
                    return .failure(ImportError("disabled_until \"\(text.prefix(40))\" is not an ISO 8601 time (2026-12-31T00:00:00Z)"))
                }
                until = date
            }
            return .success(NewEntry(signals: signals, metadata: metadata, disabledUntil: until, addedBy: addedBy))
        }
    }

    /// One field, and whether it was quoted (quoted text is taken as written).
    struct Cell: Equatable {
        var text: String
        var quoted: Bool
    }

    /// Splits one record; nil when a quote is left open.
    static func split(_ line: String, separator: Character) -> [Cell]? {
        // Most hash lists have no quotes: split the bytes directly.
        let byte = UInt8(ascii: separator == "," ? "," : "\t")
        var hasSeparator = false
        for unit in line.utf8 {
            if unit == UInt8(ascii: "\"") { return splitQuoted(line, separator: separator) }
            if unit == byte { hasSeparator = true }
        }
        // A one-column list (a file of hashes) is the line itself: no second copy of each row.
        guard hasSeparator else { return [Cell(text: line, quoted: false)] }
        return line.utf8.split(separator: byte, omittingEmptySubsequences: false).map { Cell(text: String(decoding: $0, as: UTF8.self), quoted: false) }
    }

    /// Splits a record that holds quotes, character by character.
    private static func splitQuoted(_ line: String, separator: Character) -> [Cell]? {
        var fields: [Cell] = [], field = "", quoted = false, wasQuoted = false
        var iterator = line.makeIterator()
        while let c = iterator.next() {
            if quoted {
                if c == "\"" {
                    // A doubled quote is a literal quote; a single one closes the field.
                    var lookahead = iterator
                    if lookahead.next() == "\"" { field.append("\""); iterator = lookahead } else { quoted = false }
                } else {
                    field.append(c)
                }
            } else if c == "\"" && field.allSatisfy({ $0 == " " }) && !wasQuoted {
                // Spaces before an opening quote are padding, not content.
                field = ""
                quoted = true
                wasQuoted = true
            } else if c == separator {
                fields.append(Cell(text: field, quoted: wasQuoted))
                field = ""
                wasQuoted = false
            } else if !(wasQuoted && c == " ") {
                field.append(c)
            }
        }
        guard !quoted else { return nil }
        fields.append(Cell(text: field, quoted: wasQuoted))
        return fields
    }
}
