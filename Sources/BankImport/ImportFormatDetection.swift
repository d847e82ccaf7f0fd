import ImageSignals
public import Banks
public import Foundation
import ImageCodecs

/// Tells an import's format from its content when the user did not say.
public enum ImportFormatDetection {
    public static func detect(_ url: URL) throws -> ImportFormat {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw ImportError("\(url.path): no such file or folder")
        }
        if isDirectory.boolValue { return .images }
        guard let handle = FileHandle(forReadingAtPath: url.path) else { throw ImportError("\(url.path): cannot read") }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 4096)) ?? Data())
        if (try? head.withUnsafeBytes { try ImageFormat.detect($0) }) != nil { return .images }
        let text = String(decoding: head, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("<?xml") || text.hasPrefix("<queryResult") { return .ncmecXML }
        let firstLine = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        let cells = firstLine.lowercased().split(whereSeparator: { $0 == "," || $0 == "\t" })
            .map { $0.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\""))) }
        if cells.contains(where: CSVImportReader.signalColumns.contains) { return .csv }
        return .list
    }
}
