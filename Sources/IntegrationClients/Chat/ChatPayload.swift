import JSONValues

/// A `ChatNotice` in each service's documented incoming-webhook format.
enum ChatPayload {
    /// Slack's: `text` for notifications and clients without blocks, and Block Kit blocks (a
    /// section in mrkdwn, a button per link). Slack reads `&`, `<` and `>` as markup (`<!channel>`
    /// pings everyone), so they are escaped in what Vigil passes on.
    /// https://api.slack.com/messaging/webhooks, https://api.slack.com/reference/surfaces/formatting#escaping
    static func slack(_ notice: ChatNotice) -> JSONValue {
        let title = escapeSlack(notice.title), text = escapeSlack(notice.text)
        var blocks: [JSONValue] = [["type": "section", "text": ["type": "mrkdwn", "text": .string("*\(title)*\n\(text)")]]]
        if !notice.links.isEmpty {
            blocks.append(["type": "actions", "elements": .array(notice.links.map { link in
                ["type": "button", "text": ["type": "plain_text", "text": .string(link.label)], "url": .string(link.url)]
            })])
        }
        return ["text": .string("\(title): \(text)"), "blocks": .array(blocks)]
    }

    /// Teams': a message with one Adaptive Card (what a Teams Workflows webhook and the older
    /// incoming-webhook connector both take): the title, the text, an Open URL action per link.
    /// https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using
    static func teams(_ notice: ChatNotice) -> JSONValue {
        var card: [String: JSONValue] = [
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard", "version": "1.4",
            "body": [
                ["type": "TextBlock", "text": .string(notice.title), "weight": "Bolder", "size": "Medium", "wrap": true],
                ["type": "TextBlock", "text": .string(notice.text), "wrap": true],
            ],
        ]
        if !notice.links.isEmpty {
            card["actions"] = .array(notice.links.map { ["type": "Action.OpenUrl", "title": .string($0.label), "url": .string($0.url)] })
        }
        return ["type": "message", "attachments": [["contentType": "application/vnd.microsoft.card.adaptive", "content": .object(card)]]]
    }

    static func escapeSlack(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
