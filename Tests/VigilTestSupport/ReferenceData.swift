public import Foundation
public import PDQ

/// The shared reference material (`../shared` beside the package root, or `VIGIL_SHARED_DIR`).
public enum ReferenceData {
    public static let packageRoot: URL = {
        // Tests/VigilTestSupport/ReferenceData.swift → package root.
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }()

    public static let sharedDirectory: URL = {
        if let override = ProcessInfo.processInfo.environment["VIGIL_SHARED_DIR"] {
            return URL(fileURLWithPath: override)
        }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
    }()

    public static let pdqDirectory = sharedDirectory.appendingPathComponent("data/pdq-reference")

    public static func url(_ relativePath: String) -> URL {
        pdqDirectory.appendingPathComponent(relativePath)
    }

    /// One row of `expected.tsv`.
    public struct Expected: Sendable {
        public let file: String
        public let width: Int
        public let height: Int
        public let rgbSHA256: String
        public let pdqCLI: PDQHash
        public let qualityCLI: Int
        public let pdqFullres: PDQHash
        public let qualityFullres: Int
    }

    public static func expected() throws -> [Expected] {
        try rows(of: "expected.tsv").map { row in
            Expected(
                file: try text(row, "file"), width: try integer(row, "width"), height: try integer(row, "height"),
                rgbSHA256: try text(row, "rgb_sha256"),
                pdqCLI: try hash(row, "pdq_cli"), qualityCLI: try integer(row, "quality_cli"),
                pdqFullres: try hash(row, "pdq_fullres"), qualityFullres: try integer(row, "quality_fullres"))
        }
    }

    /// The files listed in `expected.tsv`, for parameterised tests. Missing data gives an empty list,
    /// which the presence test in each suite turns into a failure rather than a silent skip.
    public static var expectedFiles: [String] { ((try? expected()) ?? []).map(\.file) }

    public static func expected(file: String) throws -> Expected {
        guard let row = try expected().first(where: { $0.file == file }) else {
            throw CocoaError(.fileNoSuchFile)
        }
        return row
    }

    /// One row of `dihedral.tsv`.
    public struct Dihedral: Sendable {
        public let index: Int
        public let xform: String
        public let cli: PDQHash
        public let fullres: PDQHash
    }

    public static func dihedral() throws -> [Dihedral] {
        try rows(of: "dihedral.tsv").map { row in
            Dihedral(index: try integer(row, "index"), xform: try text(row, "xform"),
                     cli: try hash(row, "dih_cli_of_bridge1"), fullres: try hash(row, "dih_fullres_of_bridge1"))
        }
    }

    /// A reference file's field that is missing or malformed fails the tests that read it, with its name.
    public struct BadField: Error, CustomStringConvertible {
        public let field: String
        public let value: String?
        public var description: String { "reference data: field \(field) is \(value.map { "\"\($0)\"" } ?? "missing")" }
    }

    static func text(_ row: [String: String], _ field: String) throws -> String {
        guard let value = row[field] else { throw BadField(field: field, value: nil) }
        return value
    }

    static func integer(_ row: [String: String], _ field: String) throws -> Int {
        guard let value = Int(try text(row, field)) else { throw BadField(field: field, value: row[field]) }
        return value
    }

    static func hash(_ row: [String: String], _ field: String) throws -> PDQHash {
        guard let value = PDQHash(hex: try text(row, field)) else { throw BadField(field: field, value: row[field]) }
        return value
    }

    static func rows(of name: String) throws -> [[String: String]] {
        let text = try String(contentsOf: pdqDirectory.appendingPathComponent(name), encoding: .utf8)
        var lines = text.split(whereSeparator: \.isNewline).map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        let header = lines.removeFirst()
        return lines.map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }

    /// A binary PPM (P6, maxval 255).
    public struct PPM: Sendable {
        public let width: Int
        public let height: Int
        public let rgb: [UInt8]
    }

    public static func readPPM(_ url: URL) throws -> PPM {
        let data = [UInt8](try Data(contentsOf: url))
        var fields: [String] = []
        var i = 0
        while fields.count < 4 {
            while i < data.count, data[i] == 0x20 || data[i] == 0x0A || data[i] == 0x0D || data[i] == 0x09 { i += 1 }
            if data[i] == UInt8(ascii: "#") {
                while i < data.count, data[i] != 0x0A { i += 1 }
                continue
            }
            var token = ""
            while i < data.count, !(data[i] == 0x20 || data[i] == 0x0A || data[i] == 0x0D || data[i] == 0x09) {
                token.append(Character(UnicodeScalar(data[i])))
                i += 1
            }
            fields.append(token)
        }
        i += 1
        guard fields[0] == "P6", let w = Int(fields[1]), let h = Int(fields[2]), fields[3] == "255" else {
            throw CocoaError(.fileReadCorruptFile)
        }
        return PPM(width: w, height: h, rgb: Array(data[i..<(i + w * h * 3)]))
    }
}

