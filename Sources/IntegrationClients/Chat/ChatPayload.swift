import JSONValues

/// A `ChatNotice` in each service's documented incoming-webhook format.
enum ChatPayload {
    /// Slack's: `text` for notifications and clients without blocks, and Block Kit blocks (a
    /// section in mrkdwn, a button per link). Slack reads `&`, `<` and `>` as markup (`<!channel>`
    /// pings everyone), so they are escaped in what Vigil passes on; `verbatim` keeps Slack from
    /// making links or mentions of the text, and unfurling is off (Slack would fetch and show
    /// what a link points at). A section holds at most 3,000 characters (UTF-16 units): the text
    /// is cut after escaping, so an escaped `&` cannot push it over.
    /// https://api.slack.com/messaging/webhooks, https://api.slack.com/reference/block-kit/blocks#section
    static func slack(_ notice: ChatNotice) -> JSONValue {
        let title = escapeSlack(notice.title), text = escapeSlack(notice.text)
        let section = cut("*\(title)*\n\(text)", toUTF16: 3000)
        var blocks: [JSONValue] = [["type": "section", "text": ["type": "mrkdwn", "text": .string(section), "verbatim": true]]]
        if !notice.links.isEmpty {
            blocks.append(["type": "actions", "elements": .array(notice.links.map { link in
                ["type": "button", "text": ["type": "plain_text", "text": .string(String(link.label.prefix(75)))], "url": .string(link.url)]
            })])
        }
        return ["text": .string(cut("\(title): \(text)", toUTF16: 3000)), "blocks": .array(blocks), "unfurl_links": false, "unfurl_media": false]
    }

    /// Teams': a message with one Adaptive Card (what a Teams Workflows webhook takes): the title
    /// and each line of the text as a RichTextBlock of one TextRun, which Teams shows as written
    /// (a TextBlock reads markdown: `[Verify](https://…)` in a case title would become a link
    /// that seems to come from Vigil), and an Open URL action per link.
    /// https://learn.microsoft.com/adaptive-cards/authoring-cards/text-features,
    /// https://support.microsoft.com/office/create-incoming-webhooks-with-workflows-for-microsoft-teams-8ae491c7-0394-4861-ba59-055e33f75498
    static func teams(_ notice: ChatNotice) -> JSONValue {
        func plain(_ text: String, bold: Bool = false) -> JSONValue {
            var run: [String: JSONValue] = ["type": "TextRun", "text": .string(text)]
            if bold { run["weight"] = "Bolder" }
            return ["type": "RichTextBlock", "inlines": [.object(run)]]
        }
        let lines = notice.text.split(separator: "\n", omittingEmptySubsequences: true).map { plain(String($0)) }
        var card: [String: JSONValue] = [
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard", "version": "1.4",
            "body": .array([plain(notice.title, bold: true)] + lines),
        ]
        if !notice.links.isEmpty {
            card["actions"] = .array(notice.links.map { ["type": "Action.OpenUrl", "title": .string($0.label), "url": .string($0.url)] })
        }
        return ["type": "message", "attachments": [["contentType": "application/vnd.microsoft.card.adaptive", "content": .object(card)]]]
    }

    /// The longest start of `text` within `limit` UTF-16 units, cut between characters.
    static func cut(_ text: String, toUTF16 limit: Int) -> String {
        guard text.utf16.count > limit else { return text }
        var result = ""
        var used = 0
        for character in text {
            let size = character.utf16.count
            if used + size > limit - 1 { break }
            result.append(character)
            used += size
        }
        return result + "…"
    }

    static func escapeSlack(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
