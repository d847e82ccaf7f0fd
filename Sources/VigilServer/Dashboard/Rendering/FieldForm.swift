import Integrations

/// A form input for one declared field (a credential's, or an action step's input): the
/// control follows the field's kind, so every form of the dashboard is generated from the same
/// declarations the API validates against. Rendered by the `field` partial.
enum FieldForm {
    static func input(_ field: Field, name: String, value: String?, error: String?, idPrefix: String,
                      templates: Bool = false) -> [String: Any] {
        var data: [String: Any] = [
            "id": "\(idPrefix)-\(field.name)", "name": name, "label": label(field.name), "hint": field.summary,
            "required": field.required, "value": value ?? field.defaultValue ?? "", "secret": field.secret,
        ]
        if let error { data["error"] = error }
        if templates { data["templates"] = true }
        switch field.kind {
        case .text, .bytes:
            data["isText"] = true
            data["type"] = field.secret ? "password" : "text"
        case .url:
            data["isText"] = true
            // A secret URL (a chat webhook's) is typed unseen, like any other secret.
            data["type"] = field.secret ? "password" : templates ? "text" : "url"
        case let .integer(range):
            data["isText"] = true
            data["type"] = templates ? "text" : "number"
            if !templates {
                data["min"] = range.lowerBound
                if range.upperBound < Int.max { data["max"] = range.upperBound }
            }
        case .number:
            data["isText"] = true
            data["type"] = templates ? "text" : "number"
        case .boolean:
            data["isCheckbox"] = true
            data["checked"] = (value ?? field.defaultValue) == "true"
        case let .choice(values):
            data["isSelect"] = true
            let current = value ?? field.defaultValue
            data["options"] = ([""] + values).map { ["value": $0, "label": $0.isEmpty ? "—" : $0, "selected": $0 == (current ?? "")] }
        case .object, .list:
            data["isTextarea"] = true
        }
        return data
    }

    static func label(_ name: String) -> String {
        let words = name.split(separator: "_").map(String.init)
        let special: [String: String] = ["url": "URL", "id": "ID", "pdq": "PDQ", "md5": "MD5", "sha256": "SHA-256", "ip": "IP"]
        return words.enumerated().map { index, word in
            special[word] ?? (index == 0 ? word.prefix(1).uppercased() + word.dropFirst() : word)
        }.joined(separator: " ")
    }
}
