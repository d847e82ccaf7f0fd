package import Banks
package import Foundation
import PDQ

/// One hex hash per line, its type told by its length (HMA's local_file format): 32 digits are
/// MD5, 64 are PDQ — or SHA-256 when the list is declared to hold SHA-256. Blank lines and lines
/// starting with `#` are skipped.
package struct HashListReader: ImportReader {
    private let lines: LineReader
    private let sixtyFourIsSHA256: Bool
    private let addedBy: String
    private let source: String

    /// `name`: what the list is called (the uploaded file's name), its entries' source.
    package init(url: URL, name: String, sixtyFourIsSHA256: Bool, addedBy: String) throws {
        lines = try LineReader(url: url)
        self.sixtyFourIsSHA256 = sixtyFourIsSHA256
        self.addedBy = addedBy
        source = name
    }

    package var progress: Double? { lines.progress }

    package mutating func next() throws -> ImportItem? {
        while let raw = try lines.next() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            var signals = EntrySignals()
            switch line.utf8.count {
            case 32:
                signals.md5 = HexDigest.normalise(line, length: 32)
            case 64 where sixtyFourIsSHA256:
                signals.sha256 = HexDigest.normalise(line, length: 64)
            case 64:
                signals.pdq = PDQHash(hex: line)
            default:
                return .rejected(line: lines.lineNumber, reason: "\(line.utf8.count) characters: expected a 32-digit MD5 or a 64-digit hash")
            }
            guard !signals.isEmpty else { return .rejected(line: lines.lineNumber, reason: "not hexadecimal: \(line.prefix(80))") }
            return .entry(line: lines.lineNumber, NewEntry(signals: signals, metadata: EntryMetadata(source: source), addedBy: addedBy))
        }
        return nil
    }
}
