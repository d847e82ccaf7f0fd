import FuzzTargets
import Testing
import VigilTestSupport

/// Issue 32: the list importers on mutated input (Fuzzing says how; FuzzTargets holds the bodies
/// the libFuzzer build runs too): CSV, plain lists, NCMEC's XML (a file, and a hash-sharing page
/// as the sync imports it) and another Vigil's change pages. Any answer is fine but a crash or a
/// hang: an item, a rejected line, or an error for the file.
@Suite struct ImportFuzzTests {
    @Test(arguments: [("csv", 1500), ("list", 1500), ("ncmec_xml", 2000), ("hash_sharing_page", 3000), ("vigil_changes", 2000)])
    func importer(target: String, mutations: Int) async throws {
        let body = try #require(FuzzTargets.all[target])
        let summary = try await Fuzzing.run(target, mutations: mutations, body)
        #expect(summary.complete, "\(summary)")
    }
}
