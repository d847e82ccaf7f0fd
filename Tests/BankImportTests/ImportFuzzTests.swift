@testable import BankImport
import Banks
import ContentHashing
import Foundation
import Testing
import VigilTestSupport

/// Issue 32: the list importers on mutated input (Fuzzing says how): CSV, plain lists, NCMEC's
/// XML (a file, and a hash-sharing page as the sync imports it) and another Vigil's change pages.
/// Any answer is fine but a crash or a hang: an item, a rejected line, or an error for the file.
@Suite struct ImportFuzzTests {
    /// Reads every item the reader gives (at most `limit`, a bound no real page nears).
    static func drain(_ reader: inout some ImportReader, limit: Int = 200_000) async throws {
        var count = 0
        while try await reader.next() != nil, count < limit { count += 1 }
    }

    static func file(_ bytes: [UInt8], in dir: TemporaryDirectory, _ name: String) throws -> URL {
        let url = dir.url.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    @Test func csvFiles() async throws {
        let dir = try TemporaryDirectory()
        let summary = try await Fuzzing.run("csv", mutations: 1500) { bytes in
            var reader = try CSVImportReader(url: try Self.file(bytes, in: dir, "in.csv"), addedBy: "fuzz")
            try await Self.drain(&reader)
        }
        #expect(summary.complete, "\(summary)")
    }

    @Test func hashLists() async throws {
        let dir = try TemporaryDirectory()
        let summary = try await Fuzzing.run("list", mutations: 1500) { bytes in
            for sixtyFour in [false, true] {
                var reader = try HashListReader(url: try Self.file(bytes, in: dir, "in.txt"), name: "in.txt", sixtyFourIsSHA256: sixtyFour, addedBy: "fuzz")
                try await Self.drain(&reader)
            }
        }
        #expect(summary.complete, "\(summary)")
    }

    @Test func ncmecXMLFilesAndPages() async throws {
        let summary = try await Fuzzing.run("ncmec_xml", mutations: 2000) { bytes in
            var reader = try NCMECXMLReader(bytes: bytes, addedBy: "fuzz")
            try await Self.drain(&reader)
        }
        #expect(summary.complete, "\(summary)")
        let pages = try await Fuzzing.run("hash_sharing_page", mutations: 2000) { bytes in
            var reader = try NCMECXMLReader(bytes: bytes, addedBy: "fuzz")
            try await Self.drain(&reader)
        }
        #expect(pages.complete, "\(pages)")
    }

    @Test func anotherVigilsChangePages() async throws {
        let summary = try await Fuzzing.run("vigil_changes", mutations: 2000) { bytes in
            var reader = try VigilChangesReader(bytes, addedBy: "fuzz")
            try await Self.drain(&reader)
        }
        #expect(summary.complete, "\(summary)")
    }
}
