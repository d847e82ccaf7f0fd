import Foundation
import Hummingbird
import JSONValues

/// The API reference at `/docs`, rendered here from the server's own OpenAPI document: every
/// operation by tag, with its parameters, body and answers, and each schema it names.
struct DocsPage {
    let kit: PageKit

    /// Built once: the document does not change while the server runs. Never mutated after
    /// its initialisation, which Swift runs once, so sharing it across tasks is safe.
    nonisolated(unsafe) static let model: [String: Any] = {
        guard let data = OpenAPIDocument.data, let document = try? JSONDecoder().decode(JSONValue.self, from: data).object else { return [:] }
        let info = document["info"]?.object ?? [:]
        var byTag: [String: [[String: Any]]] = [:]
        var tagOrder = (document["tags"]?.array ?? []).compactMap { $0.object?["name"]?.string }
        for (path, item) in (document["paths"]?.object ?? [:]).sorted(by: { $0.key < $1.key }) {
            for method in ["get", "post", "put", "patch", "delete"] {
                guard let operation = item.object?[method]?.object else { continue }
                let tag = operation["tags"]?.array?.first?.string ?? "Other"
                if !tagOrder.contains(tag) { tagOrder.append(tag) }
                let parameters = (operation["parameters"]?.array ?? []).compactMap(\.object).map { parameter in
                    ["name": parameter["name"]?.string ?? "", "in": parameter["in"]?.string ?? "", "required": parameter["required"]?.bool ?? false,
                     "description": parameter["description"]?.string ?? "", "type": parameter["schema"]?.object?["type"]?.string ?? ""] as [String: Any]
                }
                let body = operation["requestBody"]?.object
                let responses = (operation["responses"]?.object ?? [:]).sorted { $0.key < $1.key }.map { code, answer in
                    ["code": code, "description": answer.object?["description"]?.string ?? "",
                     "schema": Self.schemaName(answer.object?["content"]?.object?.values.first?.object?["schema"])] as [String: Any]
                }
                let anchor = (method + path).map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined()
                byTag[tag, default: []].append([
                    "method": method.uppercased(), "methodClass": method, "path": path, "anchor": anchor,
                    "summary": operation["summary"]?.string ?? "", "description": operation["description"]?.string ?? "",
                    "parameters": parameters, "hasParameters": !parameters.isEmpty,
                    "body": body.map { body in
                        ["description": body["description"]?.string ?? "",
                         "types": (body["content"]?.object ?? [:]).keys.sorted().joined(separator: ", "),
                         "schema": Self.schemaName(body["content"]?.object?.values.first?.object?["schema"])] as [String: Any]
                    } ?? false,
                    "responses": responses,
                ])
            }
        }
        let schemas = (document["components"]?.object?["schemas"]?.object ?? [:]).sorted { $0.key < $1.key }.map { name, schema in
            let object = schema.object ?? [:]
            let required = Set((object["required"]?.array ?? []).compactMap(\.string))
            let properties = (object["properties"]?.object ?? [:]).sorted { $0.key < $1.key }.map { property, value in
                ["name": property, "required": required.contains(property), "type": Self.typeName(value),
                 "description": value.object?["description"]?.string ?? ""] as [String: Any]
            }
            return ["name": name, "description": object["description"]?.string ?? "", "properties": properties] as [String: Any]
        }
        return [
            "apiTitle": info["title"]?.string ?? "Vigil API", "version": info["version"]?.string ?? "",
            "apiDescription": info["description"]?.string ?? "",
            "tags": tagOrder.compactMap { tag in byTag[tag].map { ["name": tag, "operations": $0] as [String: Any] } },
            "schemas": schemas,
        ]
    }()

    static func schemaName(_ schema: JSONValue?) -> String {
        guard let schema = schema?.object else { return "" }
        if let ref = schema["$ref"]?.string { return String(ref.split(separator: "/").last ?? "") }
        return typeName(.object(schema))
    }

    static func typeName(_ value: JSONValue) -> String {
        guard let object = value.object else { return "" }
        if let ref = object["$ref"]?.string { return String(ref.split(separator: "/").last ?? "") }
        if object["type"]?.string == "array", let items = object["items"] { return "array of \(typeName(items))" }
        if let type = object["type"]?.string { return type }
        if let type = object["type"]?.array?.compactMap(\.string) { return type.joined(separator: " or ") }
        return "any"
    }

    func register(on pages: RouterGroup<VigilRequestContext>) {
        pages.get("docs") { request, context in
            kit.page("docs", title: "API reference", section: "docs", data: Self.model, request, context)
        }
    }
}
