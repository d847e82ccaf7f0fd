@testable import IntegrationClients
import JSONValues
import Testing

/// What a chat service is sent (issue 30 §6, and its review): never a URL in the text (Slack
/// fetches and shows what a link points at), nothing a service reads as markup, and within
/// Slack's 3,000-character section.
@Suite struct ChatPayloadTests {
    @Test func aURLInTheTextIsNotSentAndSlackUnfurlsNothing() throws {
        let notice = ChatNotice(title: "upload https://cdn.example.org/u/abuse.jpg", text: "see http://cdn.example.org/u/abuse.jpg?x=1 now",
                                links: [ChatNotice.Link(label: "Open case #3", url: "https://vigil.example.org/cases/3")])
        let slack = ChatPayload.slack(notice)
        #expect(!slack.text.contains("cdn.example.org") && slack.text.contains("(a link, not shown)"), "\(slack.text)")
        #expect(slack.object?["unfurl_links"] == .bool(false) && slack.object?["unfurl_media"] == .bool(false))
        let section = try #require(slack.object?["blocks"]?.array?.first?.object?["text"]?.object)
        #expect(section["verbatim"] == .bool(true))
        #expect(slack.text.contains("https://vigil.example.org/cases/3"), "Vigil's own links stay, as buttons")
    }

    @Test func aLongEscapedMessageStaysWithinSlacksSection() throws {
        let notice = ChatNotice(title: "t", text: String(repeating: "a&b<", count: 750))
        let section = try #require(ChatPayload.slack(notice).object?["blocks"]?.array?.first?.object?["text"]?.object?["text"]?.string)
        #expect(section.utf16.count <= 3000 && section.hasSuffix("…"), "\(section.utf16.count)")
    }

    @Test func teamsShowsTextAsWrittenNotAsMarkdown() throws {
        let notice = ChatNotice(title: "[Verify login](evil)", text: "line one\nline two")
        let card = try #require(ChatPayload.teams(notice).object?["attachments"]?.array?.first?.object?["content"]?.object)
        let blocks = try #require(card["body"]?.array)
        #expect(blocks.allSatisfy { $0.object?["type"] == "RichTextBlock" }, "TextRuns carry no markdown")
        let runs = blocks.compactMap { $0.object?["inlines"]?.array?.first?.object?["text"]?.string }
        #expect(runs == ["[Verify login](evil)", "line one", "line two"], "one block a line: \(runs)")
    }
}
