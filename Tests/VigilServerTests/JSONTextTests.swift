import Logging
import Testing
import VigilServer

/// JSON string literals written by hand (the access log, HMA answers): plain text is copied
/// whole, and anything JSON must escape still is.
@Suite struct JSONTextTests {
    @Test func plainTextIsQuotedAsItIs() {
        #expect(JSONText.quote("GET /m/lookup") == #""GET /m/lookup""#)
        #expect(JSONText.quote("") == #""""#)
        #expect(JSONText.quote("naïve ✓") == "\"naïve ✓\"")
    }

    @Test func quotesBackslashesAndControlCharactersAreEscaped() {
        #expect(JSONText.quote(#"say "hi""#) == #""say \"hi\"""#)
        #expect(JSONText.quote(#"C:\x"#) == #""C:\\x""#)
        #expect(JSONText.quote("a\nb\tc\r") == #""a\nb\tc\r""#)
        #expect(JSONText.quote("\u{1}") == #""\u0001""#)
    }

    @Test func aLogLineIsOneJSONObjectWithSortedEscapedFields() {
        let handler = JSONLogHandler(label: "vigil.test")
        let line = handler.line(for: LogEvent(level: .info, message: "request", metadata: ["path": "/a\"b", "method": "GET"],
                                              source: "test", file: #fileID, function: #function, line: #line))
        #expect(line.hasPrefix(#"{"ts":""#))
        #expect(line.hasSuffix(#","level":"info","logger":"vigil.test","msg":"request","method":"GET","path":"/a\"b"}"# + "\n"))
    }
}
