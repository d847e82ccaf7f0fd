import Foundation
@testable import IntegrationClients
import NIOCore
import Testing
import VigilTestSupport

/// Issue 32: what the services answer, mutated (Fuzzing says how): CyberTipline's XML answers,
/// PhotoDNA's JSON ones, and a hash-sharing page's fields and its `next` link. Whatever comes
/// back is read into an answer or refused; nothing crashes.
@Suite struct AnswerFuzzTests {
    @Test func cyberTiplineAnswers() async throws {
        let summary = try await Fuzzing.run("cybertipline_answer", mutations: 3000) { bytes in
            for status in [200, 400, 500] {
                let answer = CyberTiplineClient.answer(status: status, requestID: "r", body: ByteBuffer(bytes: bytes))
                #expect(answer.httpStatus == status)
                #expect(answer.body.utf8.count <= 4 * 64 * 1024)
            }
        }
        #expect(summary.complete, "\(summary)")
    }

    @Test func photoDNAAnswers() async throws {
        let summary = try await Fuzzing.run("photodna_answer", mutations: 3000) { bytes in
            for status in [200, 403, 429, 500] {
                _ = PhotoDNAClient.interpret(status: status, retryAfter: "1", body: ByteBuffer(bytes: bytes))
            }
        }
        #expect(summary.complete, "\(summary)")
    }

    /// A page's fields, and the `next` link it names: on the list's own origin, or refused.
    @Test func hashSharingPagesAndTheirNextLinks() async throws {
        let base = "https://hashsharing.ncmec.org/npo-hashsharing"
        let summary = try await Fuzzing.run("hash_sharing_page", mutations: 3000) { bytes in
            guard let fields = XMLFields(Data(bytes)), let next = fields["next"] else { return }
            let resolved = try FeedTransport.nextPage(next, base: base)
            #expect(resolved.hasPrefix(base + "/"), "\(next) resolved off the list's origin: \(resolved)")
        }
        #expect(summary.complete, "\(summary)")
    }
}
