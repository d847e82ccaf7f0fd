import FuzzTargets
import Testing
import VigilTestSupport

/// Issue 32: what the services answer, mutated (Fuzzing says how; FuzzTargets holds the bodies):
/// CyberTipline's XML answers and PhotoDNA's JSON ones. Whatever comes back is read into an answer
/// or refused; nothing crashes. (A hash-sharing page's `next` link is checked with the importers.)
@Suite struct AnswerFuzzTests {
    @Test(arguments: ["cybertipline_answer", "photodna_answer"])
    func answers(target: String) async throws {
        let body = try #require(FuzzTargets.all[target])
        let summary = try await Fuzzing.run(target, mutations: 3000, body)
        #expect(summary.complete, "\(summary)")
    }
}
