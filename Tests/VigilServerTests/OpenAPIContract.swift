import Foundation
import JSONValues
import VigilServer

/// The OpenAPI document as a contract: a response is checked against the schema its operation
/// documents for its status, strictly — a field the schema does not declare, a declared field of
/// another type, a status or content type the operation does not document are all problems.
struct OpenAPIContract: Sendable {
    let document: [String: JSONValue]
    /// (template segments, template) of every documented path.
    private let paths: [([String], String)]

    /// Loaded once for the suite; a document that cannot be read fails every API test.
    static let shared: OpenAPIContract = {
        do { return try OpenAPIContract() } catch { return OpenAPIContract(unreadable: "\(error)") }
    }()

    private let unreadable: String?

    private init(unreadable: String) {
        document = [:]
        paths = []
        self.unreadable = unreadable
    }

    init() throws {
        unreadable = nil
        guard let data = OpenAPIDocument.data else { throw Missing() }
        guard let object = try JSONDecoder().decode(JSONValue.self, from: data).object else { throw Missing() }
        document = object
        paths = (object["paths"]?.object ?? [:]).keys.map { ($0.split(separator: "/").map(String.init), $0) }
    }

    struct Missing: Error {}

    /// What is wrong with `reply` as an answer to `method uri`; empty when it keeps the contract.
    func problems(_ method: String, _ uri: String, status: Int, contentType: String?, body: [UInt8]) -> [String] {
        check(method, uri, status: status, contentType: contentType, body: body).problems
    }

    /// What is wrong with an answer, and the documented operation and status it came from (nil
    /// when the document has no such operation or status), which the suite counts as reached.
    func check(_ method: String, _ uri: String, status: Int, contentType: String?, body: [UInt8]) -> (problems: [String], reached: String?) {
        var reached: String?
        let problems = checking(method, uri, status: status, contentType: contentType, body: body, reached: &reached)
        return (problems, reached)
    }

    private func checking(_ method: String, _ uri: String, status: Int, contentType: String?, body: [UInt8], reached: inout String?) -> [String] {
        if let unreadable { return ["the OpenAPI document cannot be read: \(unreadable)"] }
        let path = String(uri.split(separator: "?", maxSplits: 1).first ?? "")
        let segments = path.split(separator: "/").map { $0.removingPercentEncoding ?? String($0) }
        // A literal segment beats a parameter (`/v1/banks/{name}/export` over `/v1/banks/{name}/{x}`).
        let candidates = paths.filter { template, _ in
            template.count == segments.count && zip(template, segments).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }.sorted { $0.0.filter { $0.hasPrefix("{") }.count < $1.0.filter { $0.hasPrefix("{") }.count }
        let where_ = "\(method) \(uri) → \(status)"
        // A path the document does not hold is a dashboard page or a route that does not exist
        // (the route table is checked against the document on its own).
        guard let template = candidates.first?.1 else { return [] }
        guard let operation = document["paths"]?.object?[template]?.object?[method.lowercased()]?.object else {
            // A method the path does not have: the router's 405, which no document lists.
            if status == 405 { return [] }
            return ["\(where_): \(method) \(template) is not documented"]
        }
        let responses = operation["responses"]?.object ?? [:]
        guard let response = responses[String(status)] ?? responses["\(status / 100)XX"] ?? responses["default"] else {
            return ["\(where_): status \(status) is not documented for \(method) \(template) (documented: \(responses.keys.sorted().joined(separator: ", ")))"]
        }
        reached = "\(method) \(template) \(status)"
        guard let content = resolve(response).object?["content"]?.object else {
            return body.isEmpty ? [] : ["\(where_): a body where the document says none"]
        }
        let type = (contentType ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        let family = type.split(separator: "/").first.map { "\($0)/*" } ?? ""
        guard let media = (content[type] ?? content[family])?.object else {
            return ["\(where_): content type \"\(type)\" is not documented (documented: \(content.keys.sorted().joined(separator: ", ")))"]
        }
        guard type.hasSuffix("json"), let schema = media["schema"] else { return [] }
        let value: JSONValue
        do { value = try JSONDecoder().decode(JSONValue.self, from: Data(body)) } catch { return ["\(where_): the body is not JSON"] }
        return validate(value, schema, at: "$").map { "\(where_): \($0)" }
    }

    /// Writes the operation an answer came from to `VIGIL_CONTRACT_LOG`, if set: the suite then
    /// fails on an operation no test reached (scripts/check-contract-coverage.py).
    static func reached(_ line: String) {
        guard let log = ProcessInfo.processInfo.environment["VIGIL_CONTRACT_LOG"] else { return }
        // One write of a short line to a file opened for appending: lines from tests running at
        // once do not interleave.
        let descriptor = open(log, O_WRONLY | O_APPEND | O_CREAT, 0o600)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }

    func resolve(_ schema: JSONValue) -> JSONValue {
        guard let reference = schema.object?["$ref"]?.string, reference.hasPrefix("#/") else { return schema }
        var node: JSONValue = .object(document)
        for part in reference.dropFirst(2).split(separator: "/") { node = node.object?[String(part)] ?? .null }
        return resolve(node)
    }

    func validate(_ value: JSONValue, _ schema: JSONValue, at path: String) -> [String] {
        let schema = resolve(schema)
        guard let rules = schema.object else { return [] }
        for key in ["oneOf", "anyOf"] {
            if let options = rules[key]?.array {
                let results = options.map { validate(value, $0, at: path) }
                if results.contains(where: \.isEmpty) { return [] }
                return ["\(path): matches none of \(key) (\(results.map { $0.first ?? "" }.joined(separator: "; ")))"]
            }
        }
        if let all = rules["allOf"]?.array { return all.flatMap { validate(value, $0, at: path) } }
        var types = rules["type"].map { $0.array?.compactMap(\.string) ?? [$0.string].compactMap { $0 } } ?? []
        if rules["nullable"]?.bool == true { types.append("null") }
        if !types.isEmpty, !types.contains(where: { Self.has(value, type: $0) }) {
            return ["\(path): \(Self.kind(value)) where the document says \(types.joined(separator: " or "))"]
        }
        if let allowed = rules["enum"]?.array, !allowed.contains(value) {
            return ["\(path): \(value.text.prefix(60)) is not one of \(allowed.map(\.text).joined(separator: ", "))"]
        }
        if rules["format"]?.string == "date-time", let text = value.string, Self.dateTime(text) == nil {
            return ["\(path): \"\(text)\" is not an RFC 3339 date-time"]
        }
        var problems: [String] = []
        if let object = value.object {
            let properties = rules["properties"]?.object ?? [:]
            for name in rules["required"]?.array?.compactMap(\.string) ?? [] where object[name] == nil {
                problems.append("\(path): required \"\(name)\" is missing")
            }
            for (name, item) in object {
                if let property = properties[name] {
                    problems += validate(item, property, at: "\(path).\(name)")
                } else if let extra = rules["additionalProperties"] {
                    if extra.bool == false { problems.append("\(path): \"\(name)\" is not a documented field") }
                    if extra.object != nil { problems += validate(item, extra, at: "\(path).\(name)") }
                } else if !properties.isEmpty {
                    problems.append("\(path): \"\(name)\" is not a documented field")
                }
            }
        }
        if let array = value.array, let items = rules["items"] {
            for (index, item) in array.enumerated() { problems += validate(item, items, at: "\(path)[\(index)]") }
        }
        return problems
    }

    static func has(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object), ("number", .number): true
        case let ("integer", .number(number)): number.rounded() == number
        default: false
        }
    }

    static func kind(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    static func dateTime(_ text: String) -> Date? {
        (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)) ?? (try? Date.ISO8601FormatStyle().parse(text))
    }
}
