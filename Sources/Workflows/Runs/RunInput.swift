import JSONValues

/// Checks an API trigger's parameters: every required one given, none unknown, each of its
/// declared type. The message names the parameter.
enum RunInput {
    static func check(_ input: [String: JSONValue], against parameters: [Parameter]) throws(WorkflowError) -> JSONValue {
        let declared = Dictionary(parameters.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        if let unknown = input.keys.sorted().first(where: { declared[$0] == nil }) {
            let names = parameters.map(\.name).joined(separator: ", ")
            throw .invalidInput("unknown parameter \(unknown) (this workflow takes: \(names.isEmpty ? "none" : names))")
        }
        var payload: [String: JSONValue] = [:]
        for parameter in parameters {
            guard let value = input[parameter.name], value != .null else {
                if parameter.required == true { throw .invalidInput("parameter \(parameter.name) is required") }
                continue
            }
            guard fits(value, parameter.type) else {
                throw .invalidInput("parameter \(parameter.name) must be \(parameter.type == "url" ? "an http or https URL" : parameter.type), got \(value.text.prefix(100))")
            }
            payload[parameter.name] = value
        }
        return .object(payload)
    }

    static func fits(_ value: JSONValue, _ type: String) -> Bool {
        switch (type, value) {
        case ("text", .string), ("boolean", .bool), ("number", .number), ("object", .object), ("list", .array): true
        case let ("integer", .number(number)): number == number.rounded()
        case let ("url", .string(text)): InputCheck.literalProblem(value, for: .url) == nil && !text.isEmpty
        default: false
        }
    }
}
