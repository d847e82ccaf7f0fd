import Foundation
@testable import IntegrationClients
import NIOCore
import Testing

/// What NCMEC's services answer in XML, read as they read it (`XMLFields`, libxml2's pull parser).
@Suite struct XMLAnswerTests {
    /// libFuzzer's finding: Foundation's XMLParser on Linux stopped the process on a processing
    /// instruction without data, so one CyberTipline answer (or hash-sharing page) holding `<?a?>`
    /// brought the server down. It is read like any other answer now.
    @Test func anAnswerWithAProcessingInstructionWithoutDataIsRead() throws {
        let body = "<?xml version=\"1.0\"?><?a?><reportDoneResponse><responseCode>0</responseCode><?b?>"
            + "<reportId>4242</reportId><fileId>f1</fileId><fileId>f2</fileId></reportDoneResponse>"
        let answer = CyberTiplineClient.answer(status: 200, requestID: "r", body: ByteBuffer(string: body))
        #expect(answer.code == 0 && answer.reportID == 4242)
        #expect(answer.finishedFileIDs == ["f1", "f2"])
        #expect(XMLFields(Data("<?a?>".utf8)) == nil)
        #expect(XMLFields(Data("<?fileId?><reportr>sp<sse@".utf8)) == nil)
    }

    /// Texts (entities and CDATA decoded, first occurrence, trimmed), counts, attributes of each
    /// occurrence, empty elements, and the root; a document that is not well-formed is nil.
    @Test func fieldsAreReadAsTheAnswerHoldsThem() throws {
        let document = """
            <queryResult xmlns="https://hashsharing.ncmec.org/npo/v2">
              <feedback><reason guid="g-1" name="Not CSAM"/><reason guid="g-2" name="A &amp; B"/></feedback>
              <image><md5> ab </md5></image><image><md5><![CDATA[cd]]></md5></image><deletedImage/>
              <next>/v2/entries?from=2&amp;to=3</next>
            </queryResult>
            """
        let fields = try #require(XMLFields(Data(document.utf8)))
        #expect(fields.root == "queryResult")
        #expect(fields["md5"] == "ab" && fields.all("md5") == ["ab", "cd"])
        #expect(fields["next"] == "/v2/entries?from=2&to=3")
        #expect(fields.counts["image"] == 2 && fields.counts["deletedImage"] == 1 && fields.counts["reason"] == 2)
        #expect(fields.everyAttributes["reason"] == [["guid": "g-1", "name": "Not CSAM"], ["guid": "g-2", "name": "A & B"]])
        #expect(XMLFields(Data("<a><b></a>".utf8)) == nil)
        #expect(XMLFields(Data("<a>".utf8)) == nil)
        #expect(XMLFields(Data([0x3C, 0x61, 0xFF, 0x3E, 0x3C, 0x2F, 0x61, 0xFF, 0x3E])) == nil)
        #expect(XMLFields(Data()) == nil)
    }

    /// NCMEC declares no DTD: an answer that does (its entities' expansion is work an answer need
    /// not cost, the billion laughs at its worst) is not read.
    @Test func anAnswerWithADTDIsNotRead() {
        let laughs = """
            <?xml version="1.0"?>
            <!DOCTYPE r [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>
            <reportResponse><responseCode>&c;</responseCode><x y="&c;"/></reportResponse>
            """
        #expect(XMLFields(Data(laughs.utf8)) == nil)
        #expect(XMLFields(Data("<!DOCTYPE r><r><a>1</a></r>".utf8)) == nil)
        let answer = CyberTiplineClient.answer(status: 200, requestID: nil, body: ByteBuffer(string: laughs))
        #expect(answer.code == nil && answer.httpStatus == 200)
    }
}
