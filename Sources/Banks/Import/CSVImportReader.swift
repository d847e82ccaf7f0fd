import Foundation
import PDQ

/// CSV (RFC 4180 quoting) or TSV whose header names the columns: `pdq`, `pdq_quality` (or
/// `quality`), `md5`, `sha256`, `external_id`, `source`, `note`; any other column is kept as
/// metadata under its name.
struct CSVImportReader: ImportReader {
    private let lines: LineReader
    private let separator: Character
    private let columns: [String]
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
        self.addedBy = addedBy
    }

    var progress: Double? { lines.totalBytes.map { $0 == 0 ? 1 : Double(lines.bytesRead) / Double($0) } }

    mutating func next() throws -> ImportItem? {
        while let line = try lines.next() {
            let number = lines.lineNumber
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            guard let cells = Self.split(line, separator: separator) else {
                return .rejected(line: number, reason: "unterminated quote")
            }
            guard cells.count == columns.count else {
                return .rejected(line: number, reason: "\(cells.count) fields where the header has \(columns.count)")
            }
            var row: [String: String] = [:]
            row.reserveCapacity(columns.count)
            for (name, cell) in zip(columns, cells) {
                let value = cell.utf8.first == 0x20 || cell.utf8.last == 0x20 ? cell.trimmingCharacters(in: .whitespaces) : cell
                if !value.isEmpty { row[name] = value }
            }
            switch Self.entry(row, addedBy: addedBy) {
            case let .success(entry): return .entry(line: number, entry)
            case let .failure(error): return .rejected(line: number, reason: error.description)
            }
        }
        return nil
    }

    static func entry(_ row: [String: String], addedBy: String) -> Result<NewEntry, ImportError> {
        var signals = EntrySignals()
        if let text = row["pdq"] {
            guard let hash = PDQHash(hex: text) else { return .failure(ImportError("pdq \"\(text.prefix(80))\" is not 64 hex digits")) }
            signals.pdq = hash
        }
        if let text = row["pdq_quality"] ?? row["quality"] {
            guard let quality = Int(text), (0...100).contains(quality) else {
                return .failure(ImportError("quality \"\(text.prefix(20))\" is not an integer from 0 to 100"))
            }
            signals.pdqQuality = quality
        }
        if let text = row["md5"] {
            guard let digest = HexDigest.normalise(text, length: 32) else { return .failure(ImportError("md5 \"\(text.prefix(80))\" is not 32 hex digits")) }
            signals.md5 = digest
        }
        if let text = row["sha256"] {
            guard let digest = HexDigest.normalise(text, length: 64) else { return .failure(ImportError("sha256 \"\(text.prefix(80))\" is not 64 hex digits")) }
            signals.sha256 = digest
        }
        guard !signals.isEmpty else { return .failure(ImportError("no signal: pdq, md5 and sha256 are all empty")) }
        let metadata = EntryMetadata(
            externalID: row["external_id"], source: row["source"], note: row["note"],
            extra: row.filter { !knownColumns.contains($0.key) })
        return .success(NewEntry(signals: signals, metadata: metadata, addedBy: addedBy))
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
