import Foundation
import PDQ

/// CSV (RFC 4180 quoting) or TSV whose header names the columns: `pdq`, `pdq_quality` (or
/// `quality`), `md5`, `sha256`, `external_id`, `source`, `note`; any other column is kept as
/// metadata under its name.
struct CSVImportReader: ImportReader {
    private let lines: LineReader
    private let separator: Character
    private let columns: [String]
    private let layout: ColumnLayout
    private let addedBy: String

    static let signalColumns: Set<String> = ["pdq", "md5", "sha256"]
    static let knownColumns: Set<String> = signalColumns.union(["pdq_quality", "quality", "external_id", "source", "note"])

    init(url: URL, addedBy: String) throws {
        lines = try LineReader(url: url)
        guard let header = try lines.next() else { throw ImportError("the file is empty: a header row is required") }
        separator = header.contains("\t") ? "\t" : ","
        guard let names = Self.split(header.trimmingCharacters(in: .whitespaces), separator: separator) else {
            throw ImportError("line 1: unterminated quote in the header")
        }
        columns = names.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard columns.contains(where: Self.signalColumns.contains) else {
            throw ImportError("line 1: the header names no signal column (pdq, md5 or sha256): \(header.prefix(120))")
        }
        if let duplicate = Dictionary(grouping: columns, by: { $0 }).first(where: { $0.value.count > 1 }) {
            throw ImportError("line 1: column \"\(duplicate.key)\" appears twice")
        }
        layout = ColumnLayout(columns)
        self.addedBy = addedBy
    }

    var progress: Double? { lines.progress }

    mutating func next() throws -> ImportItem? {
        while let line = try lines.next() {
            let number = lines.lineNumber
            if line.utf8.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            guard let cells = Self.split(line, separator: separator) else {
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
        let pdq, quality, md5, sha256, externalID, source, note: Int?
        let extras: [(name: String, index: Int)]

        init(_ columns: [String]) {
            func index(_ names: String...) -> Int? { columns.firstIndex { names.contains($0) } }
            pdq = index("pdq"); quality = index("pdq_quality", "quality"); md5 = index("md5"); sha256 = index("sha256")
            externalID = index("external_id"); source = index("source"); note = index("note")
            extras = columns.enumerated().filter { !CSVImportReader.knownColumns.contains($0.element) }.map { ($0.element, $0.offset) }
        }

        func entry(_ cells: [String], addedBy: String) -> Result<NewEntry, ImportError> {
            func cell(_ i: Int?) -> String? {
                guard let i else { return nil }
                let raw = cells[i]
                let value = raw.utf8.first == 0x20 || raw.utf8.last == 0x20 ? raw.trimmingCharacters(in: .whitespaces) : raw
                return value.isEmpty ? nil : value
            }
            let signals: EntrySignals
            switch EntrySignals.parse(pdq: cell(pdq), quality: cell(quality), md5: cell(md5), sha256: cell(sha256)) {
            case let .success(parsed): signals = parsed
            case let .failure(error): return .failure(error)
            }
            guard !signals.isEmpty else { return .failure(ImportError("no signal: pdq, md5 and sha256 are all empty")) }
            var extra: [String: String] = [:]
            for (name, index) in extras { if let value = cell(index) { extra[name] = value } }
            let metadata = EntryMetadata(externalID: cell(externalID), source: cell(source), note: cell(note), extra: extra)
            return .success(NewEntry(signals: signals, metadata: metadata, addedBy: addedBy))
        }
    }

    /// Splits one line; nil when a quote is left open.
    static func split(_ line: String, separator: Character) -> [String]? {
        // Most hash lists have no quotes: split the bytes directly.
        if separator != "," || !line.utf8.contains(UInt8(ascii: "\"")) {
            let byte = UInt8(ascii: separator == "," ? "," : "\t")
            return line.utf8.split(separator: byte, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        }
        var fields: [String] = [], field = "", quoted = false
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
            } else if c == "\"" && field.isEmpty {
                quoted = true
            } else if c == separator {
                fields.append(field)
                field = ""
            } else {
                field.append(c)
            }
        }
        guard !quoted else { return nil }
        fields.append(field)
        return fields
    }
}
