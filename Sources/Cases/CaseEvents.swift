import Events
public import JSONValues

/// The payloads of case and account events: what a webhook receiver or a workflow reads.
extension Case {
    public var summary: JSONValue {
        .object([
            "case_id": .number(Double(id)), "title": .string(title), "template": .string(template), "status": .string(status),
            "is_final": .bool(isFinal), "priority": .string(priority.rawValue), "queue": .string(queue),
            "assignee": assignee.map(JSONValue.string) ?? .null, "account_ids": .array(accountIDs.map { .number(Double($0)) }),
            "evidence_count": .number(Double(evidenceCount)), "version": .number(Double(version)),
        ])
    }

    func event(_ type: String, actor: String, _ extra: [String: JSONValue] = [:]) -> NewEvent {
        var payload = summary.object ?? [:]
        for (key, value) in extra { payload[key] = value }
        return NewEvent(type: type, subject: subject, actor: actor, payload: .object(payload))
    }
}

extension Account {
    public var summary: JSONValue {
        .object([
            "account_id": .number(Double(id)), "reference_id": .string(referenceID), "screen_name": screenName.map(JSONValue.string) ?? .null,
            "status": .string(status), "tags": .array(tags.map(JSONValue.string)), "block_reason": blockReason.map(JSONValue.string) ?? .null,
            "version": .number(Double(version)),
        ])
    }

    func event(_ type: String, actor: String, _ extra: [String: JSONValue] = [:]) -> NewEvent {
        var payload = summary.object ?? [:]
        for (key, value) in extra { payload[key] = value }
        return NewEvent(type: type, subject: subject, actor: actor, payload: .object(payload))
    }
}

extension NewEvidence {
    var summary: JSONValue {
        .object([
            "provider": .string(match.provider), "bank": match.bank.map(JSONValue.string) ?? .null,
            "entry_id": match.entryID.map { .number(Double($0)) } ?? .null, "distance": match.distance.map { .number(Double($0)) } ?? .null,
            "pdq": signals.pdq.map(JSONValue.string) ?? .null, "md5": signals.md5.map(JSONValue.string) ?? .null,
            "media_sha256": mediaSHA256.map(JSONValue.string) ?? .null,
        ])
    }
}
